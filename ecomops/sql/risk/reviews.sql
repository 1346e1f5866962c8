-- Reviews created in the date range (category via the product, channel via the order when one is chosen).
-- Params: those of {where_sql} (ecomops/risk/reputation.py review_where: r.created_ts, p.category, the order's channel) and $model_key (stored_negative: the label the
-- current review model gave a review with text and no rating, migration 801; NULL when not stored).
SELECT r.review_id, r.product_id, coalesce(p.title, r.product_id) AS title, p.category, r.rating, r.review_text,
       r.created_ts, r.replied_ts, r.language, l.negative AS stored_negative
FROM reviews r
LEFT JOIN products p ON p.product_id = r.product_id
LEFT JOIN risk_review_labels l ON l.review_id = r.review_id AND l.model_key = $model_key
WHERE {where_sql}
ORDER BY r.created_ts, r.review_id
