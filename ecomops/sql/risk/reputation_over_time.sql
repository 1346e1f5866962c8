-- Reviews, negatives and SLA breaches per day or week (Monday) of creation.
-- Placeholders: reviews_classified; grain ('day' or 'week', whitelisted). Params: those of it.
WITH c AS ({reviews_classified})
SELECT date_trunc('{grain}', created_ts) AS period, count(review_id) AS reviews,
       count(*) FILTER (WHERE negative) AS negative, count(*) FILTER (WHERE sla_breach) AS sla_breaches
FROM c
GROUP BY period
ORDER BY period
