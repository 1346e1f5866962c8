-- Movement between lifecycle states from $prev_as_of to $as_of (same rules as users_lifecycle.sql) in one pass:
-- one row per (from_segment, to_segment) with the number of customers. Customers neither registered nor buying at
-- $prev_as_of come from 'not yet a customer'.
WITH buyers AS (
    SELECT ckey, min(order_date) AS first_day,
           max(order_date) FILTER (WHERE order_date <= $prev_as_of) AS last_before,
           max(order_date) AS last_after
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date <= $as_of
    GROUP BY ckey
),
people AS (
    SELECT k.registered, k.signup_date, b.first_day, b.last_before, b.last_after
    FROM users_customer_keys k LEFT JOIN buyers b ON b.ckey = k.ckey
    WHERE b.ckey IS NOT NULL OR (k.registered AND coalesce(k.signup_date, $as_of) <= $as_of)
),
states AS (
    SELECT
        CASE WHEN last_before IS NULL THEN
                  CASE WHEN registered AND coalesce(signup_date, $prev_as_of) <= $prev_as_of THEN 'prospect'
                       ELSE 'not yet a customer' END
             WHEN date_diff('day', first_day, $prev_as_of) <= $new_days THEN 'new'
             WHEN date_diff('day', last_before, $prev_as_of) <= $active_days THEN 'active'
             WHEN date_diff('day', last_before, $prev_as_of) <= $dormant_days THEN 'dormant'
             ELSE 'lost' END AS from_segment,
        CASE WHEN last_after IS NULL THEN 'prospect'
             WHEN date_diff('day', first_day, $as_of) <= $new_days THEN 'new'
             WHEN date_diff('day', last_after, $as_of) <= $active_days THEN 'active'
             WHEN date_diff('day', last_after, $as_of) <= $dormant_days THEN 'dormant'
             ELSE 'lost' END AS to_segment
    FROM people
)
SELECT from_segment, to_segment, count(*) AS customers
FROM states
GROUP BY ALL
ORDER BY customers DESC, from_segment, to_segment
