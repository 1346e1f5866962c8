-- Buyers, summed measures and spend per RFM segment and (r_score, fm_score) cell as of $as_of, grouped from the view
-- users_rfm_scores once its cut-offs are stored and kept in users_rfm_cells (ecomops/users/rfm.py store_scores).
-- Spend is rounded to 6 decimals: DuckDB adds doubles in thread order, and a rebuild must give the same rows.
SELECT CAST($as_of AS DATE) AS as_of, segment, r_score, fm_score, count(*) AS customers,
       sum(recency_days) AS recency_sum, sum(frequency) AS frequency_sum, round(sum(monetary), 6) AS monetary
FROM users_rfm_scores
WHERE as_of = $as_of
GROUP BY segment, r_score, fm_score
