-- Categories of the last valid order (on or before $as_of) of lost and of active customers: customers per segment
-- and category (a customer counts once per category of that order), and per segment (category NULL). The last order on or before $as_of is the one
-- whose next order (precomputed next_order_date) is later than $as_of or absent.
-- The last order's categories and the state come from the buyers' totals as of $as_of (<buyers>, ecomops/users/
-- rfm.py buyer_totals: last_category_bits is that order's).
WITH last_orders AS (
    SELECT t.last_category_bits AS category_bits,
           CASE WHEN date_diff('day', t.first_order_date, $as_of) < $new_days THEN 'new'
                WHEN date_diff('day', t.last_order_date, $as_of) <= $active_days THEN 'active'
                WHEN date_diff('day', t.last_order_date, $as_of) <= $dormant_days THEN 'dormant'
                ELSE 'lost' END AS segment
    FROM ({buyers}) t
)
, labels AS (  -- a bit shared by several categories (stores with more than 64) is shown as one group
    SELECT bit, CASE WHEN count(*) > 1 THEN 'Other categories' ELSE min(category) END AS category
    FROM users_category_bits GROUP BY bit
),
combinations AS (  -- customers per segment and set of categories: a few hundred rows to test against each bit,
    -- instead of every customer (1.7 s on a 10M-customer store)
    SELECT segment, category_bits, count(*) AS customers
    FROM last_orders
    WHERE segment IN ('lost', 'active')
    GROUP BY segment, category_bits
)
SELECT c.segment, l.category, CAST(sum(c.customers) AS BIGINT) AS customers
FROM combinations c JOIN labels l ON (c.category_bits >> l.bit) % 2 = 1
GROUP BY c.segment, l.category
UNION ALL  -- the segment sizes (category NULL)
SELECT segment, NULL, CAST(sum(customers) AS BIGINT) FROM combinations GROUP BY segment
