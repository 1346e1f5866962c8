-- 920: incremental upkeep of the summary tables (ecomops/derived.py). An import or undo of orders records which
-- orders it touched (their old and new versions); a summary table that was fresh before the change is then updated
-- from those orders (their days, customers, products) instead of rebuilt, and the full rebuild stays the fallback.
-- derived_change_sets: one row per import or undo that wrote order data, keyed by the sales version it moved to.
CREATE TABLE IF NOT EXISTS derived_change_sets (
    sales_version BIGINT PRIMARY KEY,
    import_id     INTEGER,
    action        VARCHAR NOT NULL,     -- import | undo
    incremental   BOOLEAN NOT NULL,     -- only orders (with their lines, new customers and products) changed
    orders        BIGINT NOT NULL,      -- orders touched (0 when not incremental)
    counts_before VARCHAR NOT NULL,     -- JSON: row counts of the source tables and the last order day, before
    counts_after  VARCHAR NOT NULL,     -- the same after the change (a write between two changes breaks the chain)
    recorded_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- derived_changed_orders: the orders a change touched, each version (before and after) with its day and customer.
CREATE TABLE IF NOT EXISTS derived_changed_orders (
    sales_version BIGINT NOT NULL,
    order_id      VARCHAR NOT NULL,
    order_date    DATE,
    customer_id   VARCHAR
);
-- derived_updates: how each summary table was last brought up to date (pages show it), newest last.
CREATE TABLE IF NOT EXISTS derived_updates (
    table_name    VARCHAR NOT NULL,
    mode          VARCHAR NOT NULL,     -- incremental | full
    reason        VARCHAR NOT NULL,     -- why a full rebuild (empty for incremental)
    orders        BIGINT NOT NULL,      -- orders the incremental update read (0 for full)
    seconds       DOUBLE NOT NULL,
    sales_version BIGINT NOT NULL,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- products_customer_keys: the customer key of products_line_facts per customer id. Kept across rebuilds (new
-- customers numbered after the last key, in id order) so an update after an import never renumbers a customer.
CREATE TABLE IF NOT EXISTS products_customer_keys (
    customer_id   VARCHAR NOT NULL,
    customer_key  INTEGER NOT NULL
);
