-- Ad spend, attributed GMV and ROI (METRICS.md: attributed GMV / spend) per channel, review and comparison period.
-- Params: $cur_start, $cur_end, $prev_start, $prev_end (+ channel filter params).
SELECT a.channel,
       sum(a.spend) FILTER (WHERE a.day BETWEEN $cur_start AND $cur_end) AS spend,
       sum(a.attributed_gmv) FILTER (WHERE a.day BETWEEN $cur_start AND $cur_end) AS attributed_gmv,
       sum(a.spend) FILTER (WHERE a.day BETWEEN $prev_start AND $prev_end) AS previous_spend,
       sum(a.attributed_gmv) FILTER (WHERE a.day BETWEEN $prev_start AND $prev_end) AS previous_attributed_gmv
FROM ad_spend a
WHERE (a.day BETWEEN $cur_start AND $cur_end OR a.day BETWEEN $prev_start AND $prev_end) AND {channel_where}
GROUP BY a.channel
ORDER BY a.channel
