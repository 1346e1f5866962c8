-- One product's GMV, units and orders per day of the range (every day listed, 0 without sales).
-- Placeholder: {order_where} (filters.slot "lines", channel filter; dates of the range). Params: theirs, $pid.
WITH days AS (
    -- A subquery over unnest(generate_series(...)), not the table function: the form Spark runs too (docs/spark-findings.md).
    SELECT CAST(d AS DATE) AS day
    FROM (SELECT unnest(generate_series(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 DAY)) AS d) t
),
sales AS (
    SELECT l.order_date AS day, sum(l.gmv) AS gmv, sum(l.quantity) AS units, count(DISTINCT l.order_no) AS orders
    FROM products_line_facts l
    WHERE l.product_id = $pid AND l.is_sale AND {order_where}
    GROUP BY l.order_date
)
SELECT d.day, coalesce(s.gmv, 0) AS gmv, coalesce(s.units, 0) AS units, coalesce(s.orders, 0) AS orders
FROM days d
LEFT JOIN sales s ON s.day = d.day
ORDER BY d.day
