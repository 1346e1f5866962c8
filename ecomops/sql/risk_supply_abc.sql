-- ABC class per product (METRICS.md): GMV of valid orders over $abc_start..$end, sorted descending; A while the GMV
-- of the SKUs before it is under $a_share of the total (the SKU that reaches 80% is still A), B under $b_share,
-- C otherwise, including products without sales. Category filter {category_where}; channels not applied.
WITH sales AS (
    SELECT i.product_id, sum(i.quantity * i.unit_price) AS gmv
    FROM orders o
    JOIN order_items i ON i.order_id = o.order_id
    WHERE o.status <> 'cancelled' AND i.quantity > 0 AND o.order_date BETWEEN $abc_start AND $end
    GROUP BY i.product_id
),
skus AS (
    SELECT p.product_id, coalesce(s.gmv, 0) AS gmv
    FROM products p LEFT JOIN sales s ON s.product_id = p.product_id
    WHERE {category_where}
),
ranked AS (
    SELECT product_id, gmv, sum(gmv) OVER () AS total,
           coalesce(sum(gmv) OVER (ORDER BY gmv DESC, product_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS before
    FROM skus
)
SELECT product_id, gmv,
       CASE WHEN gmv > 0 AND before < $a_share * total THEN 'A'
            WHEN gmv > 0 AND before < $b_share * total THEN 'B'
            ELSE 'C' END AS abc_class
FROM ranked
