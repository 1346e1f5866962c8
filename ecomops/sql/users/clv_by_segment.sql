-- Predicted value per RFM segment as of $as_of (users_rfm_scores at that date joined to users_customer_value).
SELECT r.segment, count(*) AS customers, sum(v.p_alive) AS alive_sum, sum(v.expected_orders_365) AS orders_365,
       sum(v.value_365) AS value_365, avg(v.value_365) AS avg_value_365
FROM users_rfm_scores r JOIN users_customer_value v ON v.ckey = r.ckey
WHERE r.as_of = $as_of
GROUP BY r.segment
