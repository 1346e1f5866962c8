-- Clear the stored compliance claims (migration 800); ecomops.risk_compliance.store_findings then scans the
-- product copy with the word list and inserts them, in the same transaction (derived.RISK_CLAIMS).
DELETE FROM risk_claim_findings;
DELETE FROM risk_claim_products;
