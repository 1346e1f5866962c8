-- 100: import pipeline (ecomops/ingest). Idempotent.
-- imports: rows read from the file, a JSON summary (tables written, rows updated, problems), when it was undone.
ALTER TABLE imports ADD COLUMN IF NOT EXISTS rows_read BIGINT;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS details JSON;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS undone_at TIMESTAMP;
-- orders: the platform's own status words (e.g. 等待买家付款, pending) kept next to the model's status.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS source_status VARCHAR;
-- traffic_sessions: the remaining columns of session exports such as UCI Online Shoppers, so nothing is lost.
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS page_values DOUBLE;
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS special_day DOUBLE;
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS weekend BOOLEAN;
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS region VARCHAR;
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS browser VARCHAR;
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS operating_system VARCHAR;
ALTER TABLE traffic_sessions ADD COLUMN IF NOT EXISTS traffic_type VARCHAR;
