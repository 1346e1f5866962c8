-- Weekly product review: per product, this week vs the week before (sales, buyers, returns, reviews, price).
-- Params: $week_start, $end, $prev_start, $neg_max_rating, $neg_pattern; those of {order_where}
-- (channel) and {category_where}. The buyers slot: products/weekly_buyers_chained.sql (no channel chosen) or
-- products/weekly_buyers_grouped.sql (products/review.py chooses).
WITH lines AS MATERIALIZED (  -- read twice: computed once
    SELECT l.product_id, l.customer_key AS customer_id, l.order_no AS order_id, l.status, l.is_sale,
           l.first_product_line, l.order_date >= $week_start AS this_week, l.quantity, l.gmv,
           l.buy_prev_date, l.buy_next_date
    FROM products_line_facts l
    WHERE l.order_date BETWEEN $prev_start AND $end AND {order_where} AND {category_where}
),
sales AS (  -- an order is counted at its first line of the product (first_product_line: a sale line if it bought it)
    SELECT product_id,
           sum(gmv) FILTER (WHERE this_week AND is_sale)                                        AS gmv,
           sum(gmv) FILTER (WHERE NOT this_week AND is_sale)                                    AS gmv_prev,
           sum(quantity) FILTER (WHERE this_week AND is_sale)                                   AS units,
           sum(quantity) FILTER (WHERE NOT this_week AND is_sale)                               AS units_prev,
           count(*) FILTER (WHERE this_week AND first_product_line AND is_sale)                 AS orders,
           count(*) FILTER (WHERE NOT this_week AND first_product_line AND is_sale)             AS orders_prev,
           count(*) FILTER (WHERE this_week AND first_product_line
                              AND status IN ('returned', 'cancelled'))                          AS returned_or_cancelled,
           count(*) FILTER (WHERE NOT this_week AND first_product_line
                              AND status IN ('returned', 'cancelled'))                          AS returned_or_cancelled_prev,
           count(*) FILTER (WHERE this_week AND first_product_line)                             AS all_orders,
           count(*) FILTER (WHERE NOT this_week AND first_product_line)                         AS all_orders_prev
    FROM lines
    GROUP BY product_id
),
buyers AS (  -- per product and week: buyers, and those with 2+ orders holding it in that week
{buyers}
),
review_rows AS (
    SELECT r.product_id, CAST(r.created_ts AS DATE) >= $week_start AS this_week, r.rating,
           (r.rating <= $neg_max_rating
            OR (r.rating IS NULL AND regexp_matches(lower(coalesce(r.review_text, '')), $neg_pattern))) AS negative
    FROM reviews r
    WHERE CAST(r.created_ts AS DATE) BETWEEN $prev_start AND $end
),
review_stats AS (
    SELECT product_id,
           count(*) FILTER (WHERE this_week)                      AS reviews,
           avg(rating) FILTER (WHERE this_week)                   AS rating,
           count(*) FILTER (WHERE this_week AND negative)         AS negative_reviews,
           count(*) FILTER (WHERE NOT this_week)                  AS reviews_prev,
           avg(rating) FILTER (WHERE NOT this_week)               AS rating_prev,
           count(*) FILTER (WHERE NOT this_week AND negative)     AS negative_reviews_prev
    FROM review_rows
    GROUP BY product_id
)
SELECT s.product_id, coalesce(p.title, s.product_id) AS title, coalesce(p.category, 'Uncategorised') AS category,
       coalesce(s.gmv, 0) AS gmv, coalesce(s.gmv_prev, 0) AS gmv_prev,
       coalesce(s.units, 0) AS units, coalesce(s.units_prev, 0) AS units_prev,
       s.orders, s.orders_prev,
       coalesce(b.buyers, 0) AS buyers, coalesce(b.repeat_buyers, 0) AS repeat_buyers,
       coalesce(b.buyers_prev, 0) AS buyers_prev, coalesce(b.repeat_buyers_prev, 0) AS repeat_buyers_prev,
       s.returned_or_cancelled, s.all_orders, s.returned_or_cancelled_prev, s.all_orders_prev,
       coalesce(r.reviews, 0) AS reviews, r.rating, coalesce(r.negative_reviews, 0) AS negative_reviews,
       coalesce(r.reviews_prev, 0) AS reviews_prev, r.rating_prev,
       coalesce(r.negative_reviews_prev, 0) AS negative_reviews_prev
FROM sales s
LEFT JOIN buyers b ON b.product_id = s.product_id
LEFT JOIN review_stats r ON r.product_id = s.product_id
LEFT JOIN products p ON p.product_id = s.product_id
-- GMV rounded to 1e-6 for the order: a sum's last bits depend on the order an engine adds in (Spark, DuckDB), and
-- equal GMVs must then rank by the tie-breaker on every engine.
ORDER BY round(coalesce(s.gmv, 0), 6) DESC, s.product_id
