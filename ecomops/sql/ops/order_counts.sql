-- Valid orders and buyers per day under the filters, counted from the orders: daily_sales.sql's order_counts slot
-- when the stored counts cannot answer (ecomops/ops/daily_counts.py: a category, or several channels, chosen).
-- Placeholders as in daily_sales.sql: {order_where} (o), {order_category}.
SELECT o.order_date AS day, count(*) AS orders, count(DISTINCT o.customer_id) AS buyers
FROM valid_orders o
WHERE {order_where} AND {order_category}
GROUP BY 1
