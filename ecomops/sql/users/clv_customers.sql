-- Stored customer values with the customer id, highest predicted 12-month value first (ties by customer id); the
-- page slot is an optional fixed LIMIT/OFFSET clause with bound values, and the top slot (else TRUE) then keeps only
-- the values at least the page's last one (v.value_365 >= the $top-th highest value): the ids of a page's customers
-- are looked up, not those of every buyer (sorting 10M buyers by value and id took 1.2-1.9 s at 10M customers, 0.06 s).
SELECT k.customer_id, v.x + 1 AS purchase_days, f.as_of - (v.T - v.t_x) AS last_order_date, v.p_alive,
       v.expected_orders_30, v.expected_orders_90, v.expected_orders_365, v.expected_spend, v.value_365,
       v.next_order_date
FROM users_customer_value v
JOIN users_customer_keys k ON k.ckey = v.ckey
CROSS JOIN users_clv_fit f
WHERE {top}
ORDER BY v.value_365 DESC, k.customer_id
{page}
