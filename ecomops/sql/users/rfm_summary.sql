-- Buyers, summed measures and spend per RFM segment and (r_score, fm_score) cell, from users_rfm_scores.
SELECT segment, r_score, fm_score, count(*) AS customers, sum(recency_days) AS recency_sum,
       sum(frequency) AS frequency_sum, sum(monetary) AS monetary
FROM users_rfm_scores
WHERE as_of = $as_of
GROUP BY segment, r_score, fm_score
