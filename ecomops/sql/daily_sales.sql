-- Daily GMV, orders and buyers of valid orders (METRICS.md), joined to daily UV. Params: filter params.
WITH lines AS (
    SELECT o.order_date AS day, o.order_id, o.customer_id,
           CASE WHEN i.quantity > 0 THEN i.quantity * i.unit_price ELSE 0 END AS amount
    FROM orders o
    JOIN order_items i ON i.order_id = o.order_id
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE o.status <> 'cancelled' AND {order_where} AND {category_where}
),
sales AS (
    SELECT day, sum(amount) AS gmv, count(DISTINCT order_id) AS orders, count(DISTINCT customer_id) AS buyers
    FROM lines GROUP BY day
),
traffic AS (
    SELECT t.day, sum(t.uv) AS uv FROM traffic_daily t WHERE {traffic_where} GROUP BY t.day
),
days AS (
    SELECT CAST(d AS DATE) AS day FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY) r(d)
)
SELECT days.day,
       coalesce(s.gmv, 0) AS gmv, coalesce(s.orders, 0) AS orders, coalesce(s.buyers, 0) AS buyers,
       t.uv,
       CASE WHEN t.uv > 0 THEN coalesce(s.buyers, 0) / t.uv END AS conversion_rate,
       CASE WHEN s.buyers > 0 THEN s.gmv / s.buyers END AS spend_per_buyer
FROM days
LEFT JOIN sales s ON s.day = days.day
LEFT JOIN traffic t ON t.day = days.day
ORDER BY days.day
