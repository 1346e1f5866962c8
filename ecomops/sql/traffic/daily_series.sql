-- Daily GMV, orders, buyers (METRICS.md) and summed daily UV over a span, for campaign lift. Same figures as
-- metrics.daily_trend, computed the cheap way: orders and buyers from `orders` alone, GMV from the derived
-- daily_sales_rollup (derived.SALES_ROLLUP). One row per day of $spine_start .. $spine_end (days without
-- data hold 0, UV NULL); conversion rate = buyers / UV (NULL without UV).
-- Format slots: {order_where}, {order_category}, {rollup_where}, {traffic_where}. Params: theirs + $spine_start,
-- $spine_end.
WITH counts AS (
    SELECT o.order_date AS day, count(*) AS orders, count(DISTINCT o.customer_id) AS buyers
    FROM valid_orders o
    WHERE {order_where} AND {order_category}
    GROUP BY ALL
),
gmv AS (
    SELECT r.day, sum(r.gmv) AS gmv FROM daily_sales_rollup r WHERE {rollup_where} GROUP BY ALL
),
traffic AS (
    SELECT t.day, sum(t.uv) AS uv FROM traffic_daily t WHERE {traffic_where} GROUP BY ALL
),
days AS (
    SELECT CAST(d AS DATE) AS day
    FROM (SELECT unnest(generate_series(CAST($spine_start AS TIMESTAMP), CAST($spine_end AS TIMESTAMP),
                                        INTERVAL 1 DAY)) AS d) r
)
SELECT d.day, coalesce(g.gmv, 0) AS gmv, coalesce(c.orders, 0) AS orders, coalesce(c.buyers, 0) AS buyers,
       CAST(t.uv AS DOUBLE) AS uv,
       CASE WHEN t.uv <> 0 THEN CAST(coalesce(c.buyers, 0) AS DOUBLE) / CAST(t.uv AS DOUBLE) END AS conversion_rate
FROM days d
LEFT JOIN counts c ON c.day = d.day
LEFT JOIN gmv g ON g.day = d.day
LEFT JOIN traffic t ON t.day = d.day
ORDER BY d.day
