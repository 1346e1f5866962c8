-- Categories of the last valid order (on or before $as_of) of lost and of active customers: customers per segment
-- and category (a customer counts once per category of that order), and per segment (category NULL). The last order on or before $as_of is the one
-- whose next order (precomputed next_order_date) is later than $as_of or absent.
WITH last_orders AS (
    SELECT o.category_bits,
           CASE WHEN date_diff('day', k.first_order_date, $as_of) < $new_days THEN 'new'
                WHEN date_diff('day', o.order_date, $as_of) <= $active_days THEN 'active'
                WHEN date_diff('day', o.order_date, $as_of) <= $dormant_days THEN 'dormant'
                ELSE 'lost' END AS segment
    FROM users_order_facts o JOIN users_customer_keys k ON k.ckey = o.ckey
    WHERE o.ckey IS NOT NULL AND o.order_date <= $as_of
      AND (o.next_order_date IS NULL OR o.next_order_date > $as_of)
)
, labels AS (  -- a bit shared by several categories (stores with more than 64) is shown as one group
    SELECT bit, CASE WHEN count(*) > 1 THEN 'Other categories' ELSE min(category) END AS category
    FROM users_category_bits GROUP BY bit
)
SELECT o.segment, l.category, count(*) AS customers
FROM last_orders o JOIN labels l ON (o.category_bits >> l.bit) % 2 = 1
WHERE o.segment IN ('lost', 'active')
GROUP BY o.segment, l.category
UNION ALL  -- the segment sizes (category NULL)
SELECT segment, NULL, count(*) FROM last_orders WHERE segment IN ('lost', 'active') GROUP BY segment
