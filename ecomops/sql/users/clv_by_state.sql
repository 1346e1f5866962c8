-- Predicted value per lifecycle state as of $as_of (the stored values of users_customer_value, joined to the states
-- of users/lifecycle.sql at the same date; prospects have no orders and no value).
WITH states AS ({lifecycle})
SELECT s.segment, count(*) AS customers, sum(v.p_alive) AS alive_sum, sum(v.expected_orders_365) AS orders_365,
       sum(v.value_365) AS value_365, avg(v.value_365) AS avg_value_365
FROM states s JOIN users_customer_value v ON v.ckey = s.ckey
GROUP BY s.segment
