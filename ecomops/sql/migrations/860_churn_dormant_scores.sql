-- 860: the dormant customers scored by the latest churn model (ecomops/churn_targeting.py), stored by the derived
-- table mechanism (derived.CHURN_SCORES) after training, and after every data change, so the Churn & reactivation
-- page and `churn score` read them instead of scoring ~127k customers per view at 1M customers. Empty when no
-- usable model exists. Never edit by hand: everything here follows from the order data and the model file.
CREATE TABLE IF NOT EXISTS churn_dormant_scores (
    rank            INTEGER NOT NULL,  -- 1 = highest P(return); ties by customer_id
    customer_id     VARCHAR NOT NULL,
    p_return        DOUBLE NOT NULL,
    expected_value  DOUBLE,
    segment         VARCHAR NOT NULL,
    recency_days    DOUBLE,
    frequency       DOUBLE,
    monetary        DOUBLE,
    top_category    VARCHAR,
    recommendations VARCHAR,
    recommended_ids VARCHAR,
    suggested_offer VARCHAR,
    reasons         VARCHAR,
    scored_as_of    DATE NOT NULL,
    model_id        INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS churn_dormant_scores_state (
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);
