-- Every buyer key's totals as of $totals_as_of as stored with the RFM scores of that date (users_rfm_scores,
-- migration 951): the columns of users/rfm_buyers.sql, read back instead of grouping every order again
-- (ecomops/users/rfm.py buyer_totals).
SELECT ckey, frequency, monetary, first_order_date, last_order_date, discounted_orders, returned_orders,
       last_order_returned, last_category_bits
FROM users_rfm_scores
WHERE as_of = $totals_as_of
