-- GMV and units per product in the review period (cur) and the comparison period (prev), METRICS.md GMV.
-- Params: the filter params with prefixes cur_ and prev_ ({cur_where}, {prev_where} cover order date and channel).
SELECT o.product_id, any_value(p.title) AS title, any_value(coalesce(p.category, 'Uncategorised')) AS category,
       coalesce(sum(o.gmv) FILTER (WHERE {cur_where}), 0) AS value,
       coalesce(sum(o.gmv) FILTER (WHERE {prev_where}), 0) AS previous
FROM products_line_facts o  -- the sale lines with their order's day and channel (Products summary table)
LEFT JOIN products p ON p.product_id = o.product_id
WHERE o.is_sale AND (({cur_where}) OR ({prev_where})) AND {category_where}
GROUP BY o.product_id
