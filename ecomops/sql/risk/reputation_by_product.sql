-- Reviews, negatives and SLA breaches per product with at least $min_reviews reviews.
-- Placeholder: reviews_classified. Params: those of it, $min_reviews.
WITH c AS ({reviews_classified})
SELECT product_id, title, count(review_id) AS reviews, count(*) FILTER (WHERE negative) AS negative,
       count(*) FILTER (WHERE sla_breach) AS sla_breaches
FROM c
GROUP BY product_id, title
HAVING count(review_id) >= $min_reviews
