-- Per channel and period bucket: summed daily UV, buyers, orders, GMV (METRICS.md), ad spend and attributed GMV.
-- GROUPING SETS return per (bucket, channel), per bucket (channel NULL), per channel (bucket NULL) and the grand
-- total (both NULL). Buyers are distinct within each grouping, so they are never summed across rows.
-- Speed: orders and buyers come from `orders` alone (distinct counts over orders, not over order lines); GMV from
-- the derived daily_sales_rollup (GMV per day, channel, category; derived.SALES_ROLLUP).
-- Format slots: {grain} (whitelisted literal), {order_where}, {order_category} (orders holding a line of the chosen
-- categories), {rollup_where} (r: the rollup), {traffic_where}, {ads_where}.
-- Params: those of the filter fragments.
WITH valid_orders AS (
    SELECT date_trunc('{grain}', o.order_date) AS bucket, o.channel, o.customer_id
    FROM valid_orders o
    WHERE {order_where} AND {order_category}
),
counts AS (
    SELECT bucket, channel, count(*) AS orders, count(DISTINCT customer_id) AS buyers
    FROM valid_orders
    GROUP BY GROUPING SETS ((bucket, channel), (bucket), (channel), ())
),
gmv AS (
    SELECT date_trunc('{grain}', r.day) AS bucket, r.channel, sum(r.gmv) AS gmv
    FROM daily_sales_rollup r
    WHERE {rollup_where}
    GROUP BY GROUPING SETS ((bucket, r.channel), (bucket), (r.channel), ())
),
traffic AS (
    SELECT date_trunc('{grain}', t.day) AS bucket, t.channel, sum(t.uv) AS uv
    FROM traffic_daily t WHERE {traffic_where}
    GROUP BY GROUPING SETS ((bucket, t.channel), (bucket), (t.channel), ())
),
ads AS (
    SELECT date_trunc('{grain}', a.day) AS bucket, a.channel, sum(a.spend) AS spend,
           sum(a.attributed_gmv) AS attributed_gmv
    FROM ad_spend a WHERE {ads_where}
    GROUP BY GROUPING SETS ((bucket, a.channel), (bucket), (a.channel), ())
)
SELECT CAST(bucket AS DATE) AS bucket, channel,
       sum(uv) AS uv, sum(buyers) AS buyers, sum(orders) AS orders, sum(gmv) AS gmv,
       sum(spend) AS spend, sum(attributed_gmv) AS attributed_gmv
FROM (
    SELECT bucket, channel, NULL::DOUBLE AS gmv, orders, buyers, NULL::BIGINT AS uv, NULL::DOUBLE AS spend,
           NULL::DOUBLE AS attributed_gmv FROM counts
    UNION ALL
    SELECT bucket, channel, gmv, NULL, NULL, NULL, NULL, NULL FROM gmv
    UNION ALL
    SELECT bucket, channel, NULL, NULL, NULL, uv, NULL, NULL FROM traffic
    UNION ALL
    SELECT bucket, channel, NULL, NULL, NULL, NULL, spend, attributed_gmv FROM ads
)
GROUP BY bucket, channel
ORDER BY bucket NULLS FIRST, channel NULLS FIRST
