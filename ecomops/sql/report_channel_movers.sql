-- GMV per channel in the review period (cur) and the comparison period (prev). Params as report_product_movers.
SELECT o.channel AS segment,
       coalesce(sum(i.quantity * i.unit_price) FILTER (WHERE {cur_where}), 0) AS value,
       coalesce(sum(i.quantity * i.unit_price) FILTER (WHERE {prev_where}), 0) AS previous
FROM orders o
JOIN order_items i ON i.order_id = o.order_id
LEFT JOIN products p ON p.product_id = i.product_id
WHERE o.status <> 'cancelled' AND i.quantity > 0 AND (({cur_where}) OR ({prev_where})) AND {category_where}
GROUP BY o.channel
