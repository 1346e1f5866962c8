-- Buyers, summed measures and spend per RFM segment and (r_score, fm_score) cell as of $as_of, as stored with the
-- date's cut-offs (users_rfm_cells, users/rfm_cells.sql).
SELECT segment, r_score, fm_score, customers, recency_sum, frequency_sum, monetary
FROM users_rfm_cells
WHERE as_of = $as_of
