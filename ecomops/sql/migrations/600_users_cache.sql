-- 600: derived tables of the Users pages (ecomops/users_cache.py), rebuilt automatically from orders, order_items
-- and customers whenever the data changes. Never edit them by hand; they hold nothing that is not in those tables.
-- users_customer_keys: one row per registered customer or buyer, with a dense integer key (fast grouping).
CREATE TABLE IF NOT EXISTS users_customer_keys (
    ckey            INTEGER NOT NULL,
    customer_id     VARCHAR NOT NULL,
    registered      BOOLEAN NOT NULL,   -- present in customers (a buyer from imported orders may not be)
    signup_date     DATE,
    signup_channel  VARCHAR,
    membership_tier VARCHAR NOT NULL,
    first_order_date DATE               -- first valid order over the whole history (NULL = never ordered)
);
-- users_order_facts: one row per valid (not cancelled) order; ckey NULL = guest order; gmv over lines with quantity > 0.
CREATE TABLE IF NOT EXISTS users_order_facts (
    ckey        INTEGER,
    membership_tier VARCHAR NOT NULL, -- the customer's current tier, copied here to spare a join
    order_id    VARCHAR NOT NULL,
    order_date  DATE NOT NULL,
    order_ts    TIMESTAMP NOT NULL,
    channel     VARCHAR NOT NULL,
    status      VARCHAR NOT NULL,
    discount    DOUBLE NOT NULL,
    gmv         DOUBLE NOT NULL,
    category_bits UBIGINT NOT NULL, -- categories of the order's lines with quantity > 0 (users_category_bits)
    prev_order_date DATE,           -- the customer's previous valid order (by order_ts, order_id); NULL = first
    next_order_date DATE            -- the customer's next valid order; NULL = none yet
);
-- users_category_bits: one bit per product category (bit 63 shared beyond 64 categories).
CREATE TABLE IF NOT EXISTS users_category_bits (
    category VARCHAR NOT NULL,
    bit      INTEGER NOT NULL
);
-- users_rfm_scores: RFM scores per buyer key for a few recent reference dates (computed on first use).
CREATE TABLE IF NOT EXISTS users_rfm_scores (
    as_of        DATE NOT NULL,
    ckey         INTEGER NOT NULL,
    recency_days INTEGER NOT NULL,
    frequency    BIGINT NOT NULL,
    monetary     DOUBLE NOT NULL,
    r_score      INTEGER NOT NULL,
    f_score      INTEGER NOT NULL,
    m_score      INTEGER NOT NULL,
    fm_score     INTEGER NOT NULL,
    segment      VARCHAR NOT NULL,
    first_order_date DATE NOT NULL,
    last_order_date  DATE NOT NULL
);
-- The fingerprint of the source data the derived tables were built from.
CREATE TABLE IF NOT EXISTS users_cache_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
-- users_review_facts: rated reviews by customer key.
CREATE TABLE IF NOT EXISTS users_review_facts (
    ckey         INTEGER NOT NULL,
    created_date DATE NOT NULL,
    rating       INTEGER NOT NULL
);
