-- 951: users_rfm_scores keeps more of each buyer's totals as of its date (users/rfm_buyers.sql), so the Customers
-- and Lost customers pages read a customer's state and behaviour as of that date from it instead of grouping every
-- order again (ecomops/users/rfm.py buyer_totals): orders with a discount, returned orders, whether the last order
-- was returned, and the categories of the last order. The stored rows lack them: they go (the Customers page
-- stores the scores of its date again on its next view, users.rfm.ensure_rfm).
ALTER TABLE users_rfm_scores ADD COLUMN IF NOT EXISTS discounted_orders BIGINT;
ALTER TABLE users_rfm_scores ADD COLUMN IF NOT EXISTS returned_orders BIGINT;
ALTER TABLE users_rfm_scores ADD COLUMN IF NOT EXISTS last_order_returned BOOLEAN;
ALTER TABLE users_rfm_scores ADD COLUMN IF NOT EXISTS last_category_bits UBIGINT;
DELETE FROM users_rfm_scores;
