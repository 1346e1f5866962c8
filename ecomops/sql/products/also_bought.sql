-- What the buyers of one product also bought in the range: buyers and share of the product's buyers, top $top.
-- Placeholder: {order_where} (filters.slot "lines": dates and channels). Params: theirs, $pid, $top.
WITH buyers AS (
    SELECT DISTINCT l.customer_key
    FROM products_line_facts l
    WHERE l.product_id = $pid AND l.is_sale AND l.customer_key IS NOT NULL AND {order_where}
),
bought AS (  -- only the lines of those buyers: a semi-join keeps the scan small
    SELECT l.product_id, count(DISTINCT l.customer_key) AS buyers
    FROM products_line_facts l
    WHERE l.customer_key IN (SELECT customer_key FROM buyers) AND l.product_id <> $pid
      AND l.is_sale AND {order_where}
    GROUP BY l.product_id
)
SELECT b.product_id, coalesce(p.title, b.product_id) AS title, coalesce(p.category, 'Uncategorised') AS category,
       b.buyers, b.buyers / (SELECT count(*) FROM buyers) AS share_of_buyers
FROM bought b
LEFT JOIN products p ON p.product_id = b.product_id
ORDER BY b.buyers DESC, b.product_id
LIMIT $top
