-- 601: tables of migration 600 that databases created while 600 was being written may lack (idempotent).
CREATE TABLE IF NOT EXISTS users_category_bits (
    category VARCHAR NOT NULL,
    bit      INTEGER NOT NULL
);
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
-- users_review_facts: rated reviews by customer key.
CREATE TABLE IF NOT EXISTS users_review_facts (
    ckey         INTEGER NOT NULL,
    created_date DATE NOT NULL,
    rating       INTEGER NOT NULL
);
