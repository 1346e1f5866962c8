-- Ad spend, impressions, clicks and attributed GMV by campaign, audience, channel, period bucket and in total,
-- from one scan of ad_spend (GROUPING SETS); `dimension` names the grouping of each row and `key` its value.
-- Format slots: {grain} (whitelisted literal), {ads_where}. Params: those of {ads_where}.
WITH rows AS (
    SELECT a.campaign, a.audience, a.channel, CAST(date_trunc('{grain}', a.day) AS DATE) AS bucket,
           a.spend, a.impressions, a.clicks, a.attributed_gmv
    FROM ad_spend a
    WHERE {ads_where}
)
SELECT CASE
           WHEN grouping(campaign) = 0 THEN 'campaign'
           WHEN grouping(audience) = 0 THEN 'audience'
           WHEN grouping(channel) = 0 THEN 'channel'
           WHEN grouping(bucket) = 0 THEN 'bucket'
           ELSE 'total'
       END AS dimension,
       coalesce(campaign, audience, channel, CAST(bucket AS VARCHAR), 'all') AS key,
       sum(spend) AS spend, sum(impressions) AS impressions, sum(clicks) AS clicks,
       sum(attributed_gmv) AS attributed_gmv
FROM rows
GROUP BY GROUPING SETS ((campaign), (audience), (channel), (bucket), ())
ORDER BY dimension, key
