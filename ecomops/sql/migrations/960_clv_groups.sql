-- 960: the predicted customer value per lifecycle state and per RFM segment as of the fit's day, stored with the
-- customer values (ecomops/users/value.py store_value) so the Customers page reads a few rows instead of joining
-- every buyer's value to their state (two joins of 10M rows: about 1.6 s of the page at 10M customers). Each row
-- carries the rules it was grouped by (the lifecycle windows in force); a page reads them only while those rules
-- are still in force, and groups the stored values itself otherwise.
CREATE TABLE IF NOT EXISTS users_clv_groups (
    grouping      VARCHAR NOT NULL,  -- 'state' (lifecycle state) | 'segment' (RFM segment)
    rules         VARCHAR NOT NULL,  -- value.group_rules: the rules in force when grouped
    segment       VARCHAR NOT NULL,
    customers     BIGINT NOT NULL,
    alive_sum     DOUBLE,
    orders_365    DOUBLE,
    value_365     DOUBLE,
    avg_value_365 DOUBLE
);
