-- Sales demand per category: GMV and units in the last 4 weeks vs the 4 weeks before and the same weeks a year
-- earlier, with growth rates; fastest GMV growth first. Year-over-year GMV is NULL unless the orders reach back to
-- $yoy_start. Params: $now_start, $end, $prev_start, $prev_end, $yoy_start, $yoy_end; {order_where} (channel),
-- {category_where}.
WITH lines AS (
    SELECT l.category, l.order_date, l.quantity, l.gmv
    FROM products_line_facts l
    WHERE l.is_sale
      AND (l.order_date BETWEEN $prev_start AND $end OR l.order_date BETWEEN $yoy_start AND $yoy_end)
      AND {order_where} AND {category_where}
),
totals AS (
    SELECT category,
           coalesce(sum(gmv) FILTER (WHERE order_date >= $now_start), 0)                      AS gmv,
           coalesce(sum(gmv) FILTER (WHERE order_date BETWEEN $prev_start AND $prev_end), 0)  AS gmv_prev,
           CASE WHEN (SELECT min(order_date) FROM orders) <= $yoy_start
                THEN sum(gmv) FILTER (WHERE order_date BETWEEN $yoy_start AND $yoy_end) END   AS gmv_yoy,
           coalesce(sum(quantity) FILTER (WHERE order_date >= $now_start), 0)                 AS units,
           coalesce(sum(quantity) FILTER (WHERE order_date BETWEEN $prev_start AND $prev_end), 0) AS units_prev
    FROM lines
    GROUP BY category
)
SELECT *,
       CASE WHEN gmv_prev > 0 THEN (CAST(gmv AS DOUBLE) - gmv_prev) / gmv_prev END              AS growth,
       CASE WHEN gmv_yoy > 0 THEN (CAST(gmv AS DOUBLE) - gmv_yoy) / gmv_yoy END                 AS yoy_growth,
       CASE WHEN units_prev > 0 THEN (CAST(units AS DOUBLE) - units_prev) / units_prev END      AS units_growth
FROM totals
ORDER BY growth DESC NULLS LAST, gmv DESC, category
