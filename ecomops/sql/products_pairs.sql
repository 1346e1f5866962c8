-- Frequently bought together (METRICS.md): pairs of products in the same valid order, with support, confidence,
-- lift and the AOV of orders holding the pair vs the other orders.
-- Params: $min_product_orders, $min_pair_orders, $limit; those of {order_where} (dates, channel) and
-- {category_where} (both products in the chosen categories).
-- Speed: only products in at least $min_product_orders orders, and only orders holding two of them, enter the
-- self-join; a pair needs $min_pair_orders orders to be kept.
WITH window_lines AS (  -- lines bought in valid orders of the range and channels (products_line_facts, alias l)
    SELECT l.order_no, l.product_id, l.category, l.quantity * l.unit_price AS line_gmv
    FROM products_line_facts l
    WHERE l.status <> 'cancelled' AND l.quantity > 0 AND {order_where}
),
order_value AS (  -- GMV of each valid order (all of its lines), for AOV; whether it holds a chosen category
    SELECT l.order_no, sum(l.line_gmv) AS order_gmv, bool_or({category_where}) AS in_categories
    FROM window_lines l
    GROUP BY l.order_no
),
lines AS (  -- one row per order and product bought in it (in the chosen categories)
    SELECT DISTINCT l.order_no, l.product_id
    FROM window_lines l
    WHERE {category_where}
),
totals AS (
    SELECT count(*) AS n_orders, sum(order_gmv) AS total_gmv
    FROM order_value
    WHERE in_categories
),
product_orders AS (  -- with a small integer key per product: the self-join and pair grouping run on integers
    SELECT product_id, n, CAST(row_number() OVER (ORDER BY product_id) AS INTEGER) AS pkey
    FROM (SELECT product_id, count(*) AS n FROM lines GROUP BY product_id) c
),
frequent AS (
    SELECT l.order_no, c.pkey
    FROM lines l
    JOIN product_orders c ON c.product_id = l.product_id
    WHERE c.n >= $min_product_orders
),
baskets AS (
    SELECT f.order_no, f.pkey, ov.order_gmv
    FROM frequent f
    JOIN order_value ov ON ov.order_no = f.order_no
    WHERE f.order_no IN (SELECT order_no FROM frequent GROUP BY order_no HAVING count(*) >= 2)
),
pairs AS (
    SELECT a.pkey AS pkey_a, b.pkey AS pkey_b, count(*) AS pair_orders, sum(a.order_gmv) AS pair_gmv
    FROM baskets a
    JOIN baskets b ON b.order_no = a.order_no AND a.pkey < b.pkey
    GROUP BY a.pkey, b.pkey
    HAVING count(*) >= $min_pair_orders
)
SELECT ca.product_id AS product_a, coalesce(pa.title, ca.product_id) AS title_a,
       coalesce(pa.category, 'Uncategorised') AS category_a,
       cb.product_id AS product_b, coalesce(pb.title, cb.product_id) AS title_b,
       coalesce(pb.category, 'Uncategorised') AS category_b,
       pr.pair_orders, ca.n AS orders_a, cb.n AS orders_b, t.n_orders,
       CAST(pr.pair_orders AS DOUBLE) / t.n_orders                       AS support,
       CAST(pr.pair_orders AS DOUBLE) / ca.n                             AS confidence_a_to_b,
       CAST(pr.pair_orders AS DOUBLE) / cb.n                             AS confidence_b_to_a,
       CAST(pr.pair_orders AS DOUBLE) * t.n_orders / (CAST(ca.n AS DOUBLE) * cb.n) AS lift,
       pr.pair_gmv / pr.pair_orders                                      AS aov_with_pair,
       (t.total_gmv - pr.pair_gmv) / nullif(t.n_orders - pr.pair_orders, 0) AS aov_without_pair
FROM pairs pr
CROSS JOIN totals t
JOIN product_orders ca ON ca.pkey = pr.pkey_a
JOIN product_orders cb ON cb.pkey = pr.pkey_b
LEFT JOIN products pa ON pa.product_id = ca.product_id
LEFT JOIN products pb ON pb.product_id = cb.product_id
ORDER BY pr.pair_orders DESC, lift DESC, ca.product_id, cb.product_id
LIMIT $limit
