-- Clear the stored dormant scores (migration 860); ecomops.churn_targeting.store_scores then scores the dormant
-- customers with the latest usable churn model and inserts them, in the same transaction (derived.CHURN_SCORES).
DELETE FROM churn_dormant_scores;
