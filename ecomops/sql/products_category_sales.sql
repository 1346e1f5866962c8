-- Sales demand per category: GMV and units in the last 4 weeks vs the 4 weeks before and the same weeks a year
-- earlier. Params: $now_start, $end, $prev_start, $prev_end, $yoy_start, $yoy_end; {order_where} (channel),
-- {category_where}.
WITH lines AS (
    SELECT l.category, l.order_date, l.quantity, l.quantity * l.unit_price AS gmv
    FROM products_line_facts l
    WHERE l.status <> 'cancelled' AND l.quantity > 0
      AND (l.order_date BETWEEN $prev_start AND $end OR l.order_date BETWEEN $yoy_start AND $yoy_end)
      AND {order_where} AND {category_where}
)
SELECT category,
       coalesce(sum(gmv) FILTER (WHERE order_date >= $now_start), 0)                      AS gmv,
       coalesce(sum(gmv) FILTER (WHERE order_date BETWEEN $prev_start AND $prev_end), 0)  AS gmv_prev,
       sum(gmv) FILTER (WHERE order_date BETWEEN $yoy_start AND $yoy_end)                 AS gmv_yoy,
       coalesce(sum(quantity) FILTER (WHERE order_date >= $now_start), 0)                 AS units,
       coalesce(sum(quantity) FILTER (WHERE order_date BETWEEN $prev_start AND $prev_end), 0) AS units_prev
FROM lines
GROUP BY category
