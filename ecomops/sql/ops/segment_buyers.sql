-- Buyers per day x channel x device under the filters, counted from the valid orders: monitoring_segment_daily.sql's
-- segment_buyers slot when a category is chosen (else the stored counts answer, ecomops/ops/daily_counts.py).
-- Placeholders: {order_where} (o), {order_category}.
SELECT o.order_date AS day, o.channel, o.device, count(DISTINCT o.customer_id) AS buyers
FROM valid_orders o
WHERE {order_where} AND {order_category}
GROUP BY ALL
