-- Our average realised unit price per day for one product (valid orders, quantity > 0) in the date range.
SELECT o.order_date AS day, sum(o.gmv) / sum(o.quantity) AS price
FROM sale_lines o
WHERE o.product_id = $product_id AND {order_where}
GROUP BY o.order_date
ORDER BY day
