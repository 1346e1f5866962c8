-- Clear the stored review labels (migration 801); ecomops.risk_reputation.store_labels then classifies every review
-- with text and no rating with the cached model, in the same transaction (derived.RISK_REVIEW_LABELS).
DELETE FROM risk_review_labels;
