-- Our average realised unit price per day for one product (valid orders, quantity > 0) in the date range.
SELECT o.order_date AS day, sum(o.gmv) / sum(o.quantity) AS price
FROM products_line_facts o  -- the sale lines with their order's day and channel (Products summary table)
WHERE o.is_sale AND o.product_id = $product_id AND {order_where}
GROUP BY o.order_date
ORDER BY day
