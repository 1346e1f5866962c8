-- 200: derived table of the Products pages (the build, products_cache_build.sql, recreates it with this shape) (ecomops/products_cache.py), rebuilt automatically from orders,
-- order_items and products whenever the data changes. Never edit it by hand; it holds nothing not in those tables.
-- products_line_facts: one row per order line with its order's day, status and channel, an integer order key and
-- customer key, and the product's category; sorted by order_date so date-window scans skip most of the table.
CREATE TABLE IF NOT EXISTS products_line_facts (
    order_no     INTEGER NOT NULL,      -- dense key of the order (by order_date, order_id)
    order_id     VARCHAR NOT NULL,
    order_date   DATE NOT NULL,
    customer_key INTEGER,               -- dense key of the customer; NULL = guest order
    channel      VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    product_id   VARCHAR NOT NULL,
    product_key  INTEGER NOT NULL,      -- dense key of the product, ordered like product_id
    category     VARCHAR NOT NULL,      -- the product's category ('Uncategorised' when the product is unknown)
    quantity     INTEGER NOT NULL,
    unit_price   DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS products_cache_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
