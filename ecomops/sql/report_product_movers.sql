-- GMV and units per product in the review period (cur) and the comparison period (prev), METRICS.md GMV.
-- Params: the filter params with prefixes cur_ and prev_ ({cur_where}, {prev_where} cover order date and channel).
SELECT i.product_id, any_value(p.title) AS title, any_value(coalesce(p.category, 'Uncategorised')) AS category,
       coalesce(sum(i.quantity * i.unit_price) FILTER (WHERE {cur_where}), 0) AS value,
       coalesce(sum(i.quantity * i.unit_price) FILTER (WHERE {prev_where}), 0) AS previous
FROM orders o
JOIN order_items i ON i.order_id = o.order_id
LEFT JOIN products p ON p.product_id = i.product_id
WHERE o.status <> 'cancelled' AND i.quantity > 0 AND (({cur_where}) OR ({prev_where})) AND {category_where}
GROUP BY i.product_id
