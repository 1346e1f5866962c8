-- 880: order status words as data (../shared/METRICS.md "Order statuses"): one editable table maps each platform's
-- status words to the model's statuses (unpaid, paid, shipped, completed, cancelled, returned). The import reads
-- it; ecomops/ingest/statuses.py seeds it with the words of the platforms it knows (rows with origin 'seed', added
-- when missing, never overwriting a row), and a user's mapping (origin 'user') wins over the seed.
-- word: the status as written, normalised (lower case; spaces, hyphens and underscores as one '_'; full-width
-- punctuation as ASCII), e.g. 'shipped_delivered_to_buyer', '买家已付款,等待卖家发货'.
CREATE TABLE IF NOT EXISTS status_map (
    word        VARCHAR PRIMARY KEY,
    status      VARCHAR NOT NULL,      -- unpaid | paid | shipped | completed | cancelled | returned
    platform    VARCHAR,               -- where the word comes from (shown to the user), e.g. 'Amazon', '淘宝/天猫'
    origin      VARCHAR NOT NULL DEFAULT 'seed',   -- seed | user
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);
