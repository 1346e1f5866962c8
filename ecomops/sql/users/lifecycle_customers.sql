-- Lifecycle state per customer id as of $as_of. <lifecycle>: users_lifecycle.sql.
WITH lc AS ({lifecycle})
SELECT k.customer_id, lc.segment, lc.recency_days, lc.first_order_date, lc.last_order_date, lc.orders
FROM lc JOIN users_customer_keys k ON k.ckey = lc.ckey
ORDER BY k.customer_id
