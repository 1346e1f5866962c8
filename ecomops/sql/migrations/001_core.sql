-- 001: the core data model. One line per column is documented in docs/data-model.md.
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

CREATE TABLE IF NOT EXISTS imports (
    import_id     INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    file_name     VARCHAR NOT NULL,
    file_hash     VARCHAR NOT NULL,
    rows_loaded   BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    imported_by   VARCHAR,
    imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    status        VARCHAR NOT NULL DEFAULT 'done',   -- done | undone
    mapping       JSON,
    note          VARCHAR
);
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;

CREATE TABLE IF NOT EXISTS customers (
    customer_id     VARCHAR PRIMARY KEY,
    signup_date     DATE,
    channel         VARCHAR,
    membership_tier VARCHAR NOT NULL DEFAULT 'none',  -- none | silver | gold
    city            VARCHAR,
    country         VARCHAR,
    import_id       INTEGER
);

CREATE TABLE IF NOT EXISTS products (
    product_id   VARCHAR PRIMARY KEY,
    title        VARCHAR NOT NULL,
    description  VARCHAR,
    category     VARCHAR NOT NULL DEFAULT 'Uncategorised',
    price        DOUBLE,
    cost         DOUBLE,
    launch_date  DATE,
    import_id    INTEGER
);

-- The primary key and the date index below are dropped by 700_orders_key_by_writers.sql (the writers keep
-- order_id unique; see there why).
CREATE TABLE IF NOT EXISTS orders (
    order_id     VARCHAR PRIMARY KEY,
    customer_id  VARCHAR,                       -- NULL = guest order (counts in GMV/orders, not buyers)
    order_ts     TIMESTAMP NOT NULL,
    order_date   DATE NOT NULL,                 -- calendar day of order_ts (store timezone)
    status       VARCHAR NOT NULL,              -- paid | shipped | completed | returned | cancelled
    channel      VARCHAR NOT NULL DEFAULT 'unknown',
    device       VARCHAR NOT NULL DEFAULT 'unknown',
    campaign_id  VARCHAR,
    is_presale   BOOLEAN NOT NULL DEFAULT false,
    discount     DOUBLE NOT NULL DEFAULT 0,     -- order-level discount amount already netted into unit prices
    import_id    INTEGER
);

-- Key (order_id, line_no), kept by the writers rather than an index: an order's lines are always replaced as a
-- whole (ingest deletes an order's old lines before inserting its new ones), and an index over ~10M lines would
-- cost most of an import's time and about a gigabyte of memory.
CREATE TABLE IF NOT EXISTS order_items (
    order_id    VARCHAR NOT NULL,
    line_no     INTEGER NOT NULL,
    product_id  VARCHAR NOT NULL,
    quantity    INTEGER NOT NULL,
    unit_price  DOUBLE NOT NULL,
    import_id   INTEGER
);

CREATE TABLE IF NOT EXISTS traffic_daily (
    day            DATE NOT NULL,
    channel        VARCHAR NOT NULL,
    device         VARCHAR NOT NULL,
    uv             BIGINT NOT NULL,
    pv             BIGINT,
    product_views  BIGINT,
    add_to_cart    BIGINT,
    checkouts      BIGINT,
    import_id      INTEGER,
    PRIMARY KEY (day, channel, device)
);

CREATE TABLE IF NOT EXISTS traffic_sessions (
    session_id        VARCHAR PRIMARY KEY,
    day               DATE,
    month             VARCHAR,
    channel           VARCHAR,
    device            VARCHAR,
    visitor_type      VARCHAR,
    pages_viewed      INTEGER,
    product_pages     INTEGER,
    duration_seconds  DOUBLE,
    bounce_rate       DOUBLE,
    exit_rate         DOUBLE,
    added_to_cart     BOOLEAN,
    purchased         BOOLEAN NOT NULL,
    import_id         INTEGER
);

CREATE TABLE IF NOT EXISTS scroll_depth (
    day       DATE NOT NULL,
    device    VARCHAR NOT NULL,
    screen    INTEGER NOT NULL,       -- 1 = first screen of the detail page
    visitors  BIGINT NOT NULL,        -- detail-page visitors who reached this screen
    import_id INTEGER,
    PRIMARY KEY (day, device, screen)
);

CREATE TABLE IF NOT EXISTS ad_spend (
    day             DATE NOT NULL,
    channel         VARCHAR NOT NULL,
    campaign        VARCHAR NOT NULL,
    audience        VARCHAR NOT NULL,
    spend           DOUBLE NOT NULL,
    impressions     BIGINT,
    clicks          BIGINT,
    attributed_gmv  DOUBLE NOT NULL DEFAULT 0,
    import_id       INTEGER,
    PRIMARY KEY (day, channel, campaign, audience)
);

CREATE TABLE IF NOT EXISTS search_keywords (
    day        DATE NOT NULL,
    keyword    VARCHAR NOT NULL,
    category   VARCHAR,
    searches   BIGINT NOT NULL,
    clicks     BIGINT,
    orders     BIGINT,
    gmv        DOUBLE,
    import_id  INTEGER,
    PRIMARY KEY (day, keyword)
);

CREATE TABLE IF NOT EXISTS inventory_snapshots (
    snapshot_date DATE NOT NULL,
    product_id    VARCHAR NOT NULL,
    on_hand       BIGINT NOT NULL,
    warehouse     VARCHAR NOT NULL DEFAULT 'main',
    import_id     INTEGER,
    PRIMARY KEY (snapshot_date, product_id, warehouse)
);

CREATE TABLE IF NOT EXISTS suppliers (
    supplier_id  VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    country      VARCHAR,
    import_id    INTEGER
);

CREATE TABLE IF NOT EXISTS product_suppliers (
    product_id      VARCHAR NOT NULL,
    supplier_id     VARCHAR NOT NULL,
    role            VARCHAR NOT NULL,      -- primary | backup
    lead_time_days  DOUBLE,
    unit_cost       DOUBLE,
    import_id       INTEGER,
    PRIMARY KEY (product_id, supplier_id)
);

CREATE TABLE IF NOT EXISTS competitor_prices (
    day             DATE NOT NULL,
    product_id      VARCHAR NOT NULL,
    competitor      VARCHAR NOT NULL,
    price           DOUBLE NOT NULL,
    promotion       VARCHAR,
    is_new_product  BOOLEAN NOT NULL DEFAULT false,
    import_id       INTEGER,
    PRIMARY KEY (day, product_id, competitor)
);

CREATE TABLE IF NOT EXISTS reviews (
    review_id    VARCHAR PRIMARY KEY,
    product_id   VARCHAR,
    customer_id  VARCHAR,
    order_id     VARCHAR,
    rating       INTEGER,                 -- 1..5; NULL when the platform gave text only
    review_text  VARCHAR,
    created_ts   TIMESTAMP NOT NULL,
    replied_ts   TIMESTAMP,               -- first reply; NULL = not replied yet
    language     VARCHAR,
    import_id    INTEGER
);

CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id    VARCHAR PRIMARY KEY,
    name           VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,       -- big_sale | member_day | flash_sale | other
    start_date     DATE NOT NULL,
    end_date       DATE NOT NULL,
    presale_start  DATE,
    import_id      INTEGER
);

CREATE TABLE IF NOT EXISTS reactivation_outreach (
    customer_id    VARCHAR NOT NULL,
    sent_date      DATE NOT NULL,
    arm            VARCHAR NOT NULL,       -- treatment | control
    offer          VARCHAR,
    converted      BOOLEAN,
    converted_date DATE,
    import_id      INTEGER,
    PRIMARY KEY (customer_id, sent_date)
);

CREATE TABLE IF NOT EXISTS customer_surveys (
    customer_id    VARCHAR NOT NULL,
    response_date  DATE NOT NULL,
    reason         VARCHAR NOT NULL,
    comment        VARCHAR,
    import_id      INTEGER,
    PRIMARY KEY (customer_id, response_date)
);

CREATE TABLE IF NOT EXISTS mapping_presets (
    name        VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    mapping     JSON NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS alert_rules (
    rule_id      INTEGER PRIMARY KEY,
    metric       VARCHAR NOT NULL,
    direction    VARCHAR NOT NULL DEFAULT 'down',   -- down | up | both
    threshold    DOUBLE NOT NULL,                   -- relative change that triggers, e.g. 0.05
    window_days  INTEGER NOT NULL DEFAULT 7,
    severity     VARCHAR NOT NULL DEFAULT 'warning',
    enabled      BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE IF NOT EXISTS model_registry (
    model_id      INTEGER PRIMARY KEY,
    name          VARCHAR NOT NULL,
    trained_at    TIMESTAMP NOT NULL,
    cutoff        DATE,
    horizon_days  INTEGER,
    features      JSON,
    metrics       JSON,
    data_version  BIGINT,
    path          VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS banned_words (
    word        VARCHAR NOT NULL,
    language    VARCHAR NOT NULL,     -- zh | en
    category    VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    suggestion  VARCHAR,
    whole_word  BOOLEAN NOT NULL DEFAULT true,
    PRIMARY KEY (word, language)
);

CREATE INDEX IF NOT EXISTS orders_date_idx ON orders (order_date);
