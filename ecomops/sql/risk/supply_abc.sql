-- ABC class per product for the Supply page: the shared rule of abc_classes.sql over the skus CTE,
-- on the GMV of sale lines over $abc_start..$end; every catalogue product is ranked (0 without sales).
-- Category filter {category_where}; channels not applied (supply serves every channel).
-- Sale lines from the Products summary table (as supply_skus.sql).
WITH sales AS (
    SELECT l.product_id, sum(l.gmv) AS gmv
    FROM products_line_facts l
    WHERE l.is_sale AND l.order_date BETWEEN $abc_start AND $end
    GROUP BY l.product_id
),
skus AS (
    SELECT p.product_id, coalesce(s.gmv, 0) AS gmv
    FROM products p LEFT JOIN sales s ON s.product_id = p.product_id
    WHERE {category_where}
)
SELECT product_id, gmv, abc_class FROM ({abc_classes})
