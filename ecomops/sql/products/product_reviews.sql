-- One product's latest reviews created in the range (newest first, at most $limit). Params: $pid, $start, $end,
-- $limit.
SELECT created_ts, rating, review_text, language, replied_ts IS NOT NULL AS replied
FROM reviews
WHERE product_id = $pid AND CAST(created_ts AS DATE) BETWEEN $start AND $end
ORDER BY created_ts DESC
LIMIT $limit
