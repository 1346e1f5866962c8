-- 910: scheduled delivery (ecomops/ops/delivery, docs/delivery.md): where messages go, what is sent when, and a
-- log of what was sent where. Times are UTC (TIMESTAMP without zone); a subscription's local time and timezone
-- say when it is due.
CREATE TABLE IF NOT EXISTS delivery_settings (
    key    VARCHAR PRIMARY KEY,     -- base_url | timezone | language | max_attempts | retry_base_seconds | ...
    value  VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS delivery_destinations (
    name        VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL CHECK (kind IN ('email', 'wecom', 'dingtalk', 'feishu', 'slack', 'webhook')),
    settings    JSON NOT NULL,      -- plain settings: SMTP host, port, security, username, sender, to, timeout ...
    secrets     JSON NOT NULL,      -- never shown: robot URLs (they carry the token), signing secrets, SMTP password
    enabled     BOOLEAN NOT NULL DEFAULT true,
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS delivery_subscriptions (
    name          VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL
                  CHECK (kind IN ('weekly_review', 'monthly_review', 'alerts', 'stockouts', 'sla_breaches')),
    destinations  VARCHAR[] NOT NULL,
    time_of_day   VARCHAR NOT NULL DEFAULT '09:00',          -- HH:MM, local to the timezone
    timezone      VARCHAR NOT NULL DEFAULT 'Asia/Shanghai',
    language      VARCHAR NOT NULL DEFAULT 'zh' CHECK (language IN ('zh', 'en')),
    attach_pdf    BOOLEAN NOT NULL DEFAULT true,             -- reviews: PDF attached to emails
    severities    VARCHAR[] NOT NULL DEFAULT ['critical', 'warning'],  -- alerts: which severities
    enabled       BOOLEAN NOT NULL DEFAULT true,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One row per (subscription, occurrence, destination): the unique key makes every send at most once. Test messages
-- have subscription '(test)' and the moment as occurrence.
CREATE SEQUENCE IF NOT EXISTS delivery_log_seq START 1;
CREATE TABLE IF NOT EXISTS delivery_log (
    log_id           BIGINT PRIMARY KEY DEFAULT nextval('delivery_log_seq'),
    subscription     VARCHAR NOT NULL,
    occurrence       VARCHAR NOT NULL,   -- 2026-W45 | 2026-10 | 2026-11-09 (the local day a daily one is due)
    destination      VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,   -- the subscription's kind, or 'test'
    due_on           DATE NOT NULL,      -- local day the occurrence is due
    due_at           TIMESTAMP NOT NULL,
    status           VARCHAR NOT NULL CHECK (status IN ('sending', 'sent', 'retrying', 'pending', 'failed',
                                                        'interrupted', 'empty', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP,          -- retrying / pending: not before
    last_attempt_at  TIMESTAMP,
    sent_at          TIMESTAMP,
    error            VARCHAR,            -- the last error (secrets removed), or why nothing was sent
    receipt          VARCHAR,            -- the server's answer in short
    title            VARCHAR,            -- the message title (no personal data)
    covers_start     DATE,               -- data days the message looked at (daily kinds) or the reviewed period
    covers_end       DATE,
    superseded       INTEGER NOT NULL DEFAULT 0,  -- missed occurrences this one caught up for
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    UNIQUE (subscription, occurrence, destination)
);
