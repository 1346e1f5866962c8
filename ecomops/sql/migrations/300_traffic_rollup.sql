-- 300: derived table of the Traffic pages (ecomops/traffic_rollup.py), rebuilt automatically from orders,
-- order_items and products whenever the data changes. Never edit it by hand; it holds nothing not in those tables.
-- traffic_sales_rollup: GMV (METRICS.md: valid orders, lines with quantity > 0) per day, channel, product category,
-- campaign and pre-sale flag — a few hundred rows a day instead of ~15k order lines, so GMV over any range, channel
-- and category filter is a scan of a small table.
CREATE TABLE IF NOT EXISTS traffic_sales_rollup (
    day          DATE NOT NULL,
    channel      VARCHAR NOT NULL,
    category     VARCHAR,               -- NULL when the line's product is not in products
    campaign_id  VARCHAR,
    is_presale   BOOLEAN NOT NULL,
    gmv          DOUBLE NOT NULL
);
CREATE TABLE IF NOT EXISTS traffic_rollup_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
