-- 931: the churn target list is ranked by the value a win-back would recover (issue 20): winback_value =
-- P(return) x the predicted 12-month value once active again (BG/NBD + Gamma-Gamma), clv_365 = the predicted
-- 12-month value as things stand (NULL when the value model cannot be fitted). rank 1 = highest winback_value.
ALTER TABLE churn_dormant_scores ADD COLUMN IF NOT EXISTS winback_value DOUBLE;
ALTER TABLE churn_dormant_scores ADD COLUMN IF NOT EXISTS clv_365 DOUBLE;
