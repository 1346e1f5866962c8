-- Reviews created in the range, classified in SQL: negative = rating <= $neg_max when rated, else the label the
-- current review model stored for the text (migration 801; no label = 'unclassified', not negative); replied by the
-- clock ($clock = midnight after the range), response / open hours and the SLA status ($sla_hours), as
-- ecomops.risk_reputation.classified_reviews computes them in Python. Params: those of {where_sql}, $model_key,
-- $clock, $neg_max, $sla_hours.
WITH base AS (
    SELECT r.review_id, r.product_id, coalesce(p.title, r.product_id) AS title, p.category, r.rating, r.review_text,
           r.created_ts, r.replied_ts, r.language,
           r.rating IS NOT NULL AS rated, trim(coalesce(r.review_text, '')) <> '' AS has_text, l.negative AS stored
    FROM reviews r
    LEFT JOIN products p ON p.product_id = r.product_id
    LEFT JOIN risk_review_labels l ON l.review_id = r.review_id AND l.model_key = $model_key
    WHERE {where_sql}
),
classified AS (
    SELECT *,
           CASE WHEN rated THEN rating <= $neg_max WHEN has_text THEN coalesce(stored, false) ELSE false END AS negative,
           CASE WHEN rated THEN 'rating' WHEN has_text AND stored IS NOT NULL THEN 'model'
                WHEN has_text THEN 'unclassified' ELSE 'none' END AS source,
           coalesce(replied_ts <= $clock, false) AS replied
    FROM base
),
timed AS (
    SELECT *,
           CASE WHEN replied THEN date_diff('microsecond', created_ts, replied_ts) / 1e6 / 3600 END AS response_hours,
           CASE WHEN NOT replied THEN date_diff('microsecond', created_ts, CAST($clock AS TIMESTAMP)) / 1e6 / 3600 END AS open_hours
    FROM classified
),
with_sla AS (
    SELECT *,
           CASE WHEN replied AND response_hours <= $sla_hours THEN 'replied in time'
                WHEN replied THEN 'replied late'
                WHEN open_hours > $sla_hours THEN 'open, overdue'
                ELSE 'open, within SLA' END AS sla_status
    FROM timed
)
SELECT *, negative AND sla_status IN ('replied late', 'open, overdue') AS sla_breach
FROM with_sla
