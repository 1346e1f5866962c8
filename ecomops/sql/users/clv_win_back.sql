-- Win-back values from the stored customer values (users_customer_value, fitted as of the day asked for):
--   clv_365           the predicted 12-month value as things stand (value_365)
--   value_if_back_365 the 12-month value once active again: expected orders of an alive customer (expected orders
--                     / P(alive)) x expected spend, as ecomops/users/value.py win_back_values computes it.
-- <wanted>: TRUE, or a semi-join on the ids asked for (a table registered by the caller).
SELECT k.customer_id, v.value_365 AS clv_365,
       v.expected_orders_365 / greatest(v.p_alive, 1e-300) * v.expected_spend AS value_if_back_365
FROM users_customer_value v
JOIN users_customer_keys k ON k.ckey = v.ckey
WHERE {wanted}
