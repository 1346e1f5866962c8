-- The negative reviews to handle: overdue first (oldest first), then open, then replied late, then in time;
-- without a reply only when $open_only. Placeholder: reviews_classified. Params: those of it, $open_only, $action,
-- $replied_action (the actions in the current language).
WITH c AS ({reviews_classified})
SELECT review_id, product_id, title, category, rating, source, review_text, created_ts, replied_ts,
       coalesce(open_hours, response_hours) AS hours, sla_status,
       CASE WHEN replied THEN $replied_action ELSE $action END AS action
FROM c
WHERE negative AND NOT ($open_only AND replied)
ORDER BY CASE sla_status WHEN 'open, overdue' THEN 0 WHEN 'open, within SLA' THEN 1 WHEN 'replied late' THEN 2
                         WHEN 'replied in time' THEN 3 END,
         hours DESC, created_ts, review_id
