-- Clear the stored customer value (migration 930); ecomops.users.value.store_value then fits BG/NBD + Gamma-Gamma as
-- of the last day of data and inserts the fit, the per-customer values, the weekly forecast and the values per state and segment, in the same
-- transaction (derived.CUSTOMER_VALUE).
DELETE FROM users_clv_fit;
DELETE FROM users_customer_value;
DELETE FROM users_clv_weekly;
DELETE FROM users_clv_groups;
