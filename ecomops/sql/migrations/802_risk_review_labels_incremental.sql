-- 802: stored review labels (migration 801) remember the hash of the text they judged, so a rebuild after a data
-- change classifies only new or edited reviews (a rebuild follows every import, most of them orders only).
ALTER TABLE risk_review_labels ADD COLUMN IF NOT EXISTS text_hash UBIGINT;
