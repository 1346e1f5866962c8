-- Frequently bought together (METRICS.md): pairs of products in the same valid order, with support, confidence,
-- lift and the AOV of orders holding the pair vs the other orders.
-- Params: $min_product_orders, $min_pair_orders, $limit; those of {order_where} (dates, channel) and
-- {category_where} (both products in the chosen categories).
-- Speed: only products in at least $min_product_orders orders, and only orders holding two of them, enter the
-- self-join; a pair needs $min_pair_orders orders to be kept.
WITH valid AS (
    SELECT o.order_id
    FROM orders o
    WHERE o.status <> 'cancelled' AND {order_where}
),
order_value AS (  -- GMV of each valid order (all of its lines), for AOV
    SELECT i.order_id, sum(i.quantity * i.unit_price) AS order_gmv
    FROM order_items i
    JOIN valid v ON v.order_id = i.order_id
    WHERE i.quantity > 0
    GROUP BY i.order_id
),
lines AS (  -- one row per order and product bought in it
    SELECT DISTINCT i.order_id, i.product_id
    FROM order_items i
    JOIN valid v ON v.order_id = i.order_id
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.quantity > 0 AND {category_where}
),
totals AS (
    SELECT count(*) AS n_orders, sum(ov.order_gmv) AS total_gmv
    FROM (SELECT DISTINCT order_id FROM lines) b
    JOIN order_value ov ON ov.order_id = b.order_id
),
product_orders AS (
    SELECT product_id, count(*) AS n
    FROM lines
    GROUP BY product_id
),
frequent AS (
    SELECT l.order_id, l.product_id
    FROM lines l
    JOIN product_orders c ON c.product_id = l.product_id
    WHERE c.n >= $min_product_orders
),
baskets AS (
    SELECT f.order_id, f.product_id, ov.order_gmv
    FROM frequent f
    JOIN order_value ov ON ov.order_id = f.order_id
    WHERE f.order_id IN (SELECT order_id FROM frequent GROUP BY order_id HAVING count(*) >= 2)
),
pairs AS (
    SELECT a.product_id AS product_a, b.product_id AS product_b, count(*) AS pair_orders,
           sum(a.order_gmv) AS pair_gmv
    FROM baskets a
    JOIN baskets b ON b.order_id = a.order_id AND a.product_id < b.product_id
    GROUP BY a.product_id, b.product_id
    HAVING count(*) >= $min_pair_orders
)
SELECT pr.product_a, coalesce(pa.title, pr.product_a) AS title_a, coalesce(pa.category, 'Uncategorised') AS category_a,
       pr.product_b, coalesce(pb.title, pr.product_b) AS title_b, coalesce(pb.category, 'Uncategorised') AS category_b,
       pr.pair_orders, ca.n AS orders_a, cb.n AS orders_b, t.n_orders,
       CAST(pr.pair_orders AS DOUBLE) / t.n_orders                       AS support,
       CAST(pr.pair_orders AS DOUBLE) / ca.n                             AS confidence_a_to_b,
       CAST(pr.pair_orders AS DOUBLE) / cb.n                             AS confidence_b_to_a,
       CAST(pr.pair_orders AS DOUBLE) * t.n_orders / (CAST(ca.n AS DOUBLE) * cb.n) AS lift,
       pr.pair_gmv / pr.pair_orders                                      AS aov_with_pair,
       (t.total_gmv - pr.pair_gmv) / nullif(t.n_orders - pr.pair_orders, 0) AS aov_without_pair
FROM pairs pr
CROSS JOIN totals t
JOIN product_orders ca ON ca.product_id = pr.product_a
JOIN product_orders cb ON cb.product_id = pr.product_b
LEFT JOIN products pa ON pa.product_id = pr.product_a
LEFT JOIN products pb ON pb.product_id = pr.product_b
ORDER BY pr.pair_orders DESC, lift DESC, pr.product_a, pr.product_b
LIMIT $limit
