-- Keep the stored review labels (migrations 801-802) that still apply: the review still exists, has no rating and
-- the same text. ecomops.risk_reputation.store_labels then drops labels of another model and classifies the
-- reviews left without one, in the same transaction (derived.RISK_REVIEW_LABELS).
DELETE FROM risk_review_labels l
WHERE NOT EXISTS (SELECT 1 FROM reviews r
                  WHERE r.review_id = l.review_id AND r.rating IS NULL AND hash(r.review_text) = l.text_hash);
