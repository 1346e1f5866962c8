-- Per channel and period bucket: summed daily UV, buyers, orders, GMV (METRICS.md), ad spend and attributed GMV.
-- GROUPING SETS return the per-bucket rows, the whole-range rows (bucket NULL) and the grand total (bucket and
-- channel NULL) from one scan of each table;
-- buyers are distinct within each grouping, so whole-range and total buyers are not sums.
-- Format slots: {grain} (whitelisted literal), {order_where}, {line_category} (order lines of the chosen categories),
-- {traffic_where}, {ads_where}. Params: those of the filter fragments.
WITH lines AS (
    SELECT date_trunc('{grain}', o.order_date) AS bucket, o.channel, o.order_id, o.customer_id,
           CASE WHEN i.quantity > 0 THEN i.quantity * i.unit_price ELSE 0 END AS amount
    FROM orders o
    JOIN order_items i ON i.order_id = o.order_id
    WHERE o.status <> 'cancelled' AND {order_where} AND {line_category}
),
sales AS (
    SELECT bucket, channel, sum(amount) AS gmv, count(DISTINCT order_id) AS orders,
           count(DISTINCT customer_id) AS buyers
    FROM lines
    GROUP BY GROUPING SETS ((bucket, channel), (channel), ())
),
traffic AS (
    SELECT date_trunc('{grain}', t.day) AS bucket, t.channel, sum(t.uv) AS uv
    FROM traffic_daily t WHERE {traffic_where}
    GROUP BY GROUPING SETS ((bucket, t.channel), (t.channel), ())
),
ads AS (
    SELECT date_trunc('{grain}', a.day) AS bucket, a.channel, sum(a.spend) AS spend,
           sum(a.attributed_gmv) AS attributed_gmv
    FROM ad_spend a WHERE {ads_where}
    GROUP BY GROUPING SETS ((bucket, a.channel), (a.channel), ())
)
SELECT CAST(bucket AS DATE) AS bucket, channel,
       sum(uv) AS uv, sum(buyers) AS buyers, sum(orders) AS orders, sum(gmv) AS gmv,
       sum(spend) AS spend, sum(attributed_gmv) AS attributed_gmv
FROM (
    SELECT bucket, channel, gmv, orders, buyers, NULL::BIGINT AS uv, NULL::DOUBLE AS spend,
           NULL::DOUBLE AS attributed_gmv FROM sales
    UNION ALL
    SELECT bucket, channel, NULL, NULL, NULL, uv, NULL, NULL FROM traffic
    UNION ALL
    SELECT bucket, channel, NULL, NULL, NULL, NULL, spend, attributed_gmv FROM ads
)
GROUP BY bucket, channel
ORDER BY bucket NULLS FIRST, channel
