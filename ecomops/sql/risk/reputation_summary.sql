-- The headline numbers of the Reputation page over the classified reviews of the range.
-- Placeholder: reviews_classified (the query of risk/reviews_classified.sql with its filter). Params: those of it.
WITH c AS ({reviews_classified})
SELECT count(*) AS reviews, count(*) FILTER (WHERE negative) AS negative,
       count(*) FILTER (WHERE source = 'model') AS classified_by_model,
       count(*) FILTER (WHERE negative AND source = 'model') AS negative_by_model,
       count(*) FILTER (WHERE source = 'unclassified') AS unclassified,
       count(*) FILTER (WHERE negative AND replied) AS negative_replied,
       count(*) FILTER (WHERE negative AND NOT replied) AS negative_open,
       median(response_hours) FILTER (WHERE negative) AS median_response_hours,
       median(response_hours) AS median_response_hours_all,
       count(*) FILTER (WHERE sla_breach) AS sla_breaches,
       count(*) FILTER (WHERE negative AND sla_status = 'open, overdue') AS open_overdue
FROM c
