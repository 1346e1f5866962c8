-- Every buyer key's totals as stored by the users build (users_rfm_totals, migration 970): the columns of
-- users/rfm_buyers.sql, read back instead of grouping every order again (ecomops/users/rfm.py buyer_totals).
-- {which}: 'totals_as_of IS NULL' (the whole history's, every date's on or after the last order day) or
-- 'totals_as_of = $totals_as_of' (those of an earlier date).
SELECT ckey, frequency, monetary, first_order_date, last_order_date, discounted_orders, returned_orders,
       last_order_returned, last_category_bits
FROM users_rfm_totals
WHERE {which}
