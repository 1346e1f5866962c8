-- The complaint texts of the given products in a window, newest first: reviews rated 3 or less, or unrated with
-- words of complaint ($pattern). Params: $ids, $start, $end, $pattern.
SELECT product_id, review_text
FROM reviews
WHERE list_contains($ids, product_id) AND CAST(created_ts AS DATE) BETWEEN $start AND $end
  AND review_text IS NOT NULL
  AND (rating <= 3 OR (rating IS NULL AND regexp_matches(lower(review_text), $pattern)))
ORDER BY created_ts DESC
