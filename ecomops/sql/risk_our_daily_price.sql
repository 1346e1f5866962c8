-- Our average realised unit price per day for one product (valid orders, quantity > 0) in the date range.
SELECT o.order_date AS day, sum(i.quantity * i.unit_price) / sum(i.quantity) AS price
FROM orders o
JOIN order_items i ON i.order_id = o.order_id
WHERE o.status <> 'cancelled' AND i.quantity > 0 AND i.product_id = $product_id AND {order_where}
GROUP BY o.order_date
ORDER BY day
