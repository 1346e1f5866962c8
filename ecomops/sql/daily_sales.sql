-- Daily GMV (from the derived rollup), orders and buyers of valid orders (METRICS.md), joined to daily UV.
-- Placeholders as in kpis.sql, plus the order_counts slot: orders and buyers per day (ecomops/ops/daily_counts.py: the
-- stored counts, or ops/order_counts.sql over the orders); params: the filter params plus $start and $end.
WITH counts AS (
    {order_counts}
),
gmv AS (
    SELECT r.day, sum(r.gmv) AS gmv FROM daily_sales_rollup r WHERE {rollup_where} GROUP BY r.day
),
traffic AS (
    SELECT t.day, sum(t.uv) AS uv FROM traffic_daily t WHERE {traffic_where} GROUP BY t.day
),
days AS (
    SELECT CAST(d AS DATE) AS day
    FROM (SELECT unnest(generate_series(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 DAY)) AS d) r
)
SELECT days.day,
       coalesce(g.gmv, 0) AS gmv, coalesce(c.orders, 0) AS orders, coalesce(c.buyers, 0) AS buyers,
       t.uv,
       CASE WHEN t.uv > 0 THEN coalesce(c.buyers, 0) / t.uv END AS conversion_rate,
       CASE WHEN c.buyers > 0 THEN coalesce(g.gmv, 0) / c.buyers END AS spend_per_buyer
FROM days
LEFT JOIN counts c ON c.day = days.day
LEFT JOIN gmv g ON g.day = days.day
LEFT JOIN traffic t ON t.day = days.day
ORDER BY days.day
