-- Lifecycle state of every customer key as of the date parameter $as_of (METRICS.md "Customer lifecycle"),
-- over the derived tables of migration 600 (valid orders only; guest orders have no key and never count), from the
-- buyers' totals as of $as_of filled in below (ecomops/users/rfm.py buyer_totals: stored or grouped).
-- recency_days = days from the last valid order to $as_of; an order on $as_of itself has recency 0.
--   new      first valid order in the last $new_days days, $as_of included: (as_of - $new_days, as_of]
--   active   not new, recency_days <= $active_days
--   dormant  $active_days < recency_days <= $dormant_days
--   lost     recency_days > $dormant_days
--   prospect registered (signup on or before $as_of, or unknown signup date) with no valid order yet
SELECT b.ckey,
       CASE WHEN date_diff('day', b.first_order_date, $as_of) < $new_days THEN 'new'
            WHEN date_diff('day', b.last_order_date, $as_of) <= $active_days THEN 'active'
            WHEN date_diff('day', b.last_order_date, $as_of) <= $dormant_days THEN 'dormant'
            ELSE 'lost' END                              AS segment,
       date_diff('day', b.last_order_date, $as_of)      AS recency_days,
       b.first_order_date,
       b.last_order_date,
       b.orders
FROM (
    SELECT ckey, first_order_date, last_order_date, frequency AS orders FROM ({buyers}) t
) b
UNION ALL
SELECT k.ckey, 'prospect', NULL, NULL, NULL, 0
FROM users_customer_keys k
WHERE k.registered AND coalesce(k.signup_date, $as_of) <= $as_of
  AND (k.first_order_date IS NULL OR k.first_order_date > $as_of)
