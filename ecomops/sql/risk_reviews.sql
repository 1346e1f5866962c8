-- Reviews created in the date range (category via the product, channel via the order when one is chosen).
-- Params: those of {where_sql} (r.created_ts, o.channel, p.category).
SELECT r.review_id, r.product_id, coalesce(p.title, r.product_id) AS title, p.category, r.rating, r.review_text,
       r.created_ts, r.replied_ts, r.language
FROM reviews r
LEFT JOIN products p ON p.product_id = r.product_id
LEFT JOIN orders o ON o.order_id = r.order_id
WHERE {where_sql}
ORDER BY r.created_ts, r.review_id
