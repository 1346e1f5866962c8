-- Frequently bought together (METRICS.md): pairs of products in the same valid order, with support, confidence,
-- lift and the AOV of orders holding the pair vs the other orders.
-- Params: $min_product_orders, $min_pair_orders, $max_basket, $limit; those of {order_where} (dates, channel) and
-- {category_where} (both products in the chosen categories). Orders holding more than $max_basket distinct products
-- (bulk/wholesale orders, whose pairs grow with the square of their size) are left out of every count.
-- Speed: CTEs read more than once are MATERIALIZED (computed once); only products in at least $min_product_orders orders, and only orders holding two of them, enter the
-- self-join; a pair needs $min_pair_orders orders to be kept.
WITH window_lines AS MATERIALIZED (  -- lines bought in valid orders of the range and channels (products_line_facts, alias l)
    SELECT l.order_no, l.product_key, l.product_id, l.category, l.gmv AS line_gmv, l.first_product_line
    FROM products_line_facts l
    WHERE l.is_sale AND {order_where}
),
order_value AS MATERIALIZED (  -- GMV of each valid order (all of its lines), for AOV
    SELECT l.order_no, sum(l.line_gmv) AS order_gmv
    FROM window_lines l
    GROUP BY l.order_no
),
all_lines AS MATERIALIZED (  -- one row per order and product bought in it (in the chosen categories): its first line
    SELECT l.order_no, l.product_key AS pkey
    FROM window_lines l
    WHERE l.first_product_line AND {category_where}
),
basket_sizes AS MATERIALIZED (
    SELECT order_no, count(*) AS n_products
    FROM all_lines
    GROUP BY order_no
),
lines AS MATERIALIZED (
    SELECT a.order_no, a.pkey
    FROM all_lines a
    JOIN basket_sizes s ON s.order_no = a.order_no
    WHERE s.n_products <= $max_basket
),
totals AS (
    SELECT count(*) AS n_orders, sum(ov.order_gmv) AS total_gmv,
           (SELECT count(*) FROM basket_sizes WHERE n_products > $max_basket) AS bulk_orders
    FROM order_value ov
    JOIN basket_sizes s ON s.order_no = ov.order_no
    WHERE s.n_products <= $max_basket
),
product_orders AS MATERIALIZED (  -- per integer product key (ordered like product_id): the joins and grouping run on integers
    SELECT c.pkey, c.n, k.product_id
    FROM (SELECT pkey, count(*) AS n FROM lines GROUP BY pkey) c
    JOIN (SELECT product_key, min(product_id) AS product_id FROM window_lines GROUP BY product_key) k
      ON k.product_key = c.pkey
),
frequent AS MATERIALIZED (
    SELECT l.order_no, c.pkey
    FROM lines l
    JOIN product_orders c ON c.pkey = l.pkey
    WHERE c.n >= $min_product_orders
),
baskets AS MATERIALIZED (
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
       pr.pair_orders, ca.n AS orders_a, cb.n AS orders_b, t.n_orders, t.bulk_orders,
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
