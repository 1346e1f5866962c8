-- 871: settings stored in the database (config.py): a value per key overriding the default from code, e.g.
-- 'threshold.active_days'. Absent key = the default. Written through config.save_thresholds (one transaction).
CREATE TABLE IF NOT EXISTS settings (
    key         VARCHAR PRIMARY KEY,
    value       JSON NOT NULL,
    updated_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_by  VARCHAR
);
