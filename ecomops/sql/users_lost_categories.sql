-- Categories of the last valid order (on or before $as_of) of lost and of active customers (<lifecycle> as of
-- $as_of): customers per segment and category (a customer counts once per category of that order).
WITH lc AS (SELECT ckey, segment FROM ({lifecycle}) WHERE segment IN ('lost', 'active')),
last_orders AS (
    SELECT o.ckey, arg_max(o.order_id, o.order_ts) AS order_id
    FROM users_order_facts o JOIN lc ON lc.ckey = o.ckey
    WHERE o.order_date <= $as_of
    GROUP BY o.ckey
)
SELECT lc.segment, coalesce(p.category, 'Uncategorised') AS category, count(DISTINCT l.ckey) AS customers
FROM last_orders l
JOIN lc ON lc.ckey = l.ckey
JOIN order_items i ON i.order_id = l.order_id
LEFT JOIN products p ON p.product_id = i.product_id
WHERE i.quantity > 0
GROUP BY ALL
