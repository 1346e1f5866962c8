-- 801: the review classifier's verdict on every review with text and no rating (ecomops/risk_reputation.py),
-- stored by the derived table mechanism (derived.RISK_REVIEW_LABELS) after each data change or new model, so the
-- Reputation page reads labels instead of running the classifier on every view. model_key = the SHA-256 of the
-- model file that produced the label; a label of another model is ignored.
CREATE TABLE IF NOT EXISTS risk_review_labels (
    review_id VARCHAR NOT NULL,
    model_key VARCHAR NOT NULL,
    negative  BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_review_labels_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
