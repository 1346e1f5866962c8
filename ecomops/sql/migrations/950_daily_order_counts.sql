-- 950: the daily counts the alert engine reads over months of history (ecomops/ops/daily_counts.py), stored by the
-- derived-table mechanism (derived.DAILY_COUNTS) so Overview and Monitoring read a few thousand rows instead of
-- scanning every order of the baseline and noise windows (about 50 s at 100M order lines).
-- daily_order_counts: valid orders per day at three levels: the store (level 0, channel and device NULL), a channel
-- (level 1, device NULL) and a channel x device cell (level 2); a NULL channel or device at its own level is an
-- order without one. buyers = distinct customers with a valid order at that level (guests excluded), gmv = GMV of
-- the level's sale lines (METRICS.md).
CREATE TABLE IF NOT EXISTS daily_order_counts (
    day     DATE NOT NULL,
    level   TINYINT NOT NULL,
    channel VARCHAR,
    device  VARCHAR,
    orders  BIGINT NOT NULL,
    buyers  BIGINT NOT NULL,
    gmv     DOUBLE NOT NULL
);
-- daily_repurchase: the store's trailing-window repurchase counts (ops/monitoring_repurchase.sql, window
-- monitoring.REPURCHASE_WINDOW_DAYS) on every day from the first to the last order day.
CREATE TABLE IF NOT EXISTS daily_repurchase (
    day                  DATE NOT NULL,
    window_days          INTEGER NOT NULL,
    window_buyers        BIGINT NOT NULL,
    window_repeat_buyers BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS daily_counts_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
