-- Repeat purchases per day up to $as_of (days with valid orders after each customer's first purchase day) and their
-- GMV: the actual line of the tracking plot (ecomops/users/value.py).
-- Along the order chain, as users/clv_summary.sql: a purchase day is counted at the order that opens it (the
-- previous order on another day), and it is a repeat when it comes after the key's first order day; no grouping per
-- customer and day (some 40M groups at 10M customers).
SELECT f.order_date AS day,
       count(*) FILTER (WHERE f.prev_order_date IS DISTINCT FROM f.order_date) AS orders,
       sum(f.gmv) AS revenue
FROM users_order_facts f
JOIN users_customer_keys k ON k.ckey = f.ckey
WHERE f.ckey IS NOT NULL AND f.order_date <= $as_of AND f.order_date > k.first_order_date
GROUP BY f.order_date
ORDER BY day
