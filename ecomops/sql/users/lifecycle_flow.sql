-- Lifecycle states at $prev_as_of and at $as_of in one pass (same rules as users_lifecycle.sql), with the GMV each
-- customer produced in the filtered range (<range_gmv>: GMV per ckey, NULL ckey = guest orders).
-- One row per (from_segment, to_segment): customers and their range GMV. Customers neither registered nor buying
-- at $prev_as_of come from 'not yet a customer'. A last row (from_segment NULL, to_segment 'guest', 0 customers)
-- carries the GMV of guest orders, so GMV shares add up to the range's GMV.
WITH range_gmv AS ({range_gmv}),
-- Each buyer's first and last day as of $as_of come from their totals (<buyers>, ecomops/users/rfm.py
-- buyer_totals); the last day as of $prev_as_of is that last day when not later, else the day of the order whose
-- next order is after $prev_as_of (one per buyer: next_order_date is precomputed).
buyers AS (
    SELECT t.ckey, t.first_order_date AS first_day,
           CASE WHEN t.last_order_date <= $prev_as_of THEN t.last_order_date ELSE p.last_before END AS last_before,
           t.last_order_date AS last_after
    FROM ({buyers}) t
    LEFT JOIN (SELECT ckey, order_date AS last_before FROM users_order_facts
               WHERE ckey IS NOT NULL AND order_date <= $prev_as_of AND next_order_date > $prev_as_of) p
           ON p.ckey = t.ckey
),
-- Everyone with a state at $as_of: the buyers, and the registered customers without a valid order by then (their
-- first one later or none). Registration matters only to those without an order by $prev_as_of (prospect or not
-- yet a customer then): only they are looked up in the customer keys (at 10M customers, joining everyone to the
-- keys cost a second).
people AS (
    SELECT ckey, CAST(NULL AS BOOLEAN) AS registered, CAST(NULL AS DATE) AS signup_date, first_day, last_before,
           last_after
    FROM buyers WHERE last_before IS NOT NULL
    UNION ALL
    SELECT b.ckey, k.registered, k.signup_date, b.first_day, b.last_before, b.last_after
    FROM buyers b
    JOIN (SELECT ckey, registered, signup_date FROM users_customer_keys WHERE first_order_date > $prev_as_of) k
      ON k.ckey = b.ckey
    WHERE b.last_before IS NULL
    UNION ALL
    SELECT ckey, registered, signup_date, NULL, NULL, NULL
    FROM users_customer_keys
    WHERE registered AND coalesce(signup_date, $as_of) <= $as_of
      AND (first_order_date IS NULL OR first_order_date > $as_of)
),
states AS (
    SELECT ckey,
        CASE WHEN last_before IS NULL THEN
                  CASE WHEN registered AND coalesce(signup_date, $prev_as_of) <= $prev_as_of THEN 'prospect'
                       ELSE 'not yet a customer' END
             WHEN date_diff('day', first_day, $prev_as_of) < $new_days THEN 'new'
             WHEN date_diff('day', last_before, $prev_as_of) <= $active_days THEN 'active'
             WHEN date_diff('day', last_before, $prev_as_of) <= $dormant_days THEN 'dormant'
             ELSE 'lost' END AS from_segment,
        CASE WHEN last_after IS NULL THEN 'prospect'
             WHEN date_diff('day', first_day, $as_of) < $new_days THEN 'new'
             WHEN date_diff('day', last_after, $as_of) <= $active_days THEN 'active'
             WHEN date_diff('day', last_after, $as_of) <= $dormant_days THEN 'dormant'
             ELSE 'lost' END AS to_segment
    FROM people
)
SELECT s.from_segment, s.to_segment, count(*) AS customers, coalesce(sum(g.gmv), 0) AS gmv
FROM states s LEFT JOIN range_gmv g ON g.ckey = s.ckey
GROUP BY ALL
UNION ALL
SELECT NULL, 'guest', 0, coalesce(sum(gmv), 0) FROM range_gmv WHERE ckey IS NULL HAVING count(*) > 0
ORDER BY customers DESC, from_segment, to_segment
