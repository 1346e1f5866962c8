-- Daily GMV (from the derived rollup), orders and buyers of valid orders (METRICS.md), joined to daily UV.
-- Placeholders as in kpis.sql; params: the filter params plus $start and $end.
WITH valid_orders AS (
    SELECT o.order_date AS day, o.order_id, o.customer_id
    FROM orders o
    WHERE o.status <> 'cancelled' AND {order_where}
      AND ({no_category} OR EXISTS (
          SELECT 1 FROM order_items i JOIN products p ON p.product_id = i.product_id
          WHERE i.order_id = o.order_id AND {category_where}))
),
counts AS (
    SELECT day, count(*) AS orders, count(DISTINCT customer_id) AS buyers FROM valid_orders GROUP BY day
),
gmv AS (
    SELECT r.day, sum(r.gmv) AS gmv FROM traffic_sales_rollup r WHERE {rollup_where} GROUP BY r.day
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
