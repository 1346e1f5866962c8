-- Ad spend, impressions, clicks and attributed GMV by campaign, audience, channel, period bucket and in total,
-- from one scan of ad_spend (GROUPING SETS); `dimension` names the grouping of each row and `key` its value.
-- Measures per row (NULL where the denominator is 0 or missing): spend_share = spend / total spend,
-- ctr = clicks / impressions, cpc = spend / clicks, roi = attributed GMV / spend, roi_flag = roi < $roi_floor.
-- Format slots: {grain} (whitelisted literal), {ads_where}. Params: those of {ads_where}, $roi_floor.
WITH rows AS (
    SELECT a.campaign, a.audience, a.channel, CAST(date_trunc('{grain}', a.day) AS DATE) AS bucket,
           a.spend, a.impressions, a.clicks, a.attributed_gmv
    FROM ad_spend a
    WHERE {ads_where}
)
, sums AS (
SELECT CASE
           WHEN grouping(campaign) = 0 THEN 'campaign'
           WHEN grouping(audience) = 0 THEN 'audience'
           WHEN grouping(channel) = 0 THEN 'channel'
           WHEN grouping(bucket) = 0 THEN 'bucket'
           ELSE 'total'
       END AS dimension,
       coalesce(campaign, audience, channel, CAST(bucket AS VARCHAR), 'all') AS key,
       CAST(sum(spend) AS DOUBLE) AS spend, CAST(sum(impressions) AS DOUBLE) AS impressions,
       CAST(sum(clicks) AS DOUBLE) AS clicks, CAST(sum(attributed_gmv) AS DOUBLE) AS attributed_gmv
FROM rows
GROUP BY GROUPING SETS ((campaign), (audience), (channel), (bucket), ())
)
SELECT dimension, key, spend,
       spend / nullif(max(spend) FILTER (WHERE dimension = 'total') OVER (), 0) AS spend_share,
       impressions, clicks, clicks / nullif(impressions, 0) AS ctr, spend / nullif(clicks, 0) AS cpc,
       attributed_gmv, attributed_gmv / nullif(spend, 0) AS roi,
       coalesce(attributed_gmv / nullif(spend, 0) < $roi_floor, false) AS roi_flag
FROM sums
ORDER BY dimension, key
