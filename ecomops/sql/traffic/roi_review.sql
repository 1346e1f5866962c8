-- Ad spend and attributed GMV per channel in the review month (from $this_month) and the month before it.
-- Placeholder: {ads_where} (a: dates of both months, channels). Params: theirs, $this_month.
SELECT a.channel,
       sum(a.spend) FILTER (WHERE a.day >= $this_month) AS spend,
       sum(a.attributed_gmv) FILTER (WHERE a.day >= $this_month) AS attributed_gmv,
       sum(a.spend) FILTER (WHERE a.day < $this_month) AS previous_spend,
       sum(a.attributed_gmv) FILTER (WHERE a.day < $this_month) AS previous_attributed_gmv
FROM ad_spend a
WHERE {ads_where}
GROUP BY a.channel
ORDER BY a.channel
