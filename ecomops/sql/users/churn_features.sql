-- Churn features (METRICS.md "Churn model"): one row per customer with a valid order on or before $cutoff.
-- Every source row is filtered to order_date / created_ts <= $cutoff, so nothing after the cutoff can leak in.
-- Exception by necessity: customers.membership_tier and channel are current attributes without history (the data
-- model keeps no tier changes), so a tier gained after the cutoff is seen as of today.
-- Params: $cutoff (DATE), $negative_rating_max, and $min_recency / $max_recency: only customers whose recency
-- lies in ($min_recency, $max_recency] when {scope_filter} is "o.customer_id IN (SELECT customer_id FROM scope)"
-- (scoring the dormant segment reads only their orders); "TRUE" keeps everyone. Windows: "last 90" = (cutoff - 90, cutoff], "previous 90" = (cutoff - 180, cutoff - 90].
WITH scope AS (
    SELECT customer_id
    FROM valid_orders
    WHERE customer_id IS NOT NULL AND order_date <= $cutoff
    GROUP BY customer_id
    HAVING date_diff('day', max(order_date), $cutoff) > $min_recency
       AND date_diff('day', max(order_date), $cutoff) <= $max_recency
),
ord AS (
    SELECT o.order_id, o.customer_id, o.order_date, o.status, o.channel, o.discount, o.is_valid
    FROM orders_classified o
    WHERE o.customer_id IS NOT NULL AND o.order_date <= $cutoff AND {scope_filter}
),
valid AS (
    SELECT * FROM ord WHERE is_valid
),
-- Spend per customer and category first (one hash aggregate over the lines, few groups), totals from there.
customer_categories AS (
    SELECT v.customer_id, p.category,
           sum(i.gmv)                                                                                    AS spend,
           sum(i.gmv) FILTER (WHERE v.order_date > $cutoff - 90)                                         AS spend_last_90,
           sum(i.gmv) FILTER (WHERE v.order_date <= $cutoff - 90 AND v.order_date > $cutoff - 180)       AS spend_prev_90,
           sum(i.quantity)                                                                               AS units
    FROM valid v
    JOIN sale_lines i ON i.order_id = v.order_id
    LEFT JOIN products p ON p.product_id = i.product_id
    GROUP BY v.customer_id, p.category
),
spend AS (
    -- Money rounded to 6 decimals: DuckDB adds doubles in thread order, so unrounded sums differ in their last bits
    -- from run to run, and a tree split exactly there would score the same customer differently.
    SELECT customer_id, round(sum(spend), 6) AS monetary, round(sum(spend_last_90), 6) AS spend_last_90,
           round(sum(spend_prev_90), 6) AS spend_prev_90, count(*) AS category_breadth, sum(units) AS units
    FROM customer_categories
    GROUP BY customer_id
),
per_order AS (
    SELECT customer_id,
           count(*) FILTER (WHERE is_valid)                                                              AS frequency,
           count(*) FILTER (WHERE is_valid AND order_date > $cutoff - 90)                                AS orders_last_90,
           count(*) FILTER (WHERE is_valid AND order_date <= $cutoff - 90 AND order_date > $cutoff - 180) AS orders_prev_90,
           count(*) FILTER (WHERE status = 'returned')                                                   AS returned_orders,
           count(*) FILTER (WHERE status = 'cancelled')                                                  AS cancelled_orders,
           count(*) FILTER (WHERE is_valid AND discount > 0)                                             AS discounted_orders,
           min(order_date) FILTER (WHERE is_valid)                                                       AS first_order,
           max(order_date) FILTER (WHERE is_valid)                                                       AS last_order,
           count(DISTINCT channel) FILTER (WHERE is_valid)                                               AS channel_count
    FROM ord
    GROUP BY customer_id
    HAVING count(*) FILTER (WHERE is_valid) > 0
),
-- The channel of most valid orders; ties go to the alphabetically first channel (mode() breaks ties at random).
main_channel AS (
    SELECT customer_id, channel AS main_channel
    FROM (SELECT customer_id, channel, count(*) AS n FROM valid GROUP BY customer_id, channel)
    QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY n DESC, channel) = 1
),
order_days AS (
    SELECT customer_id, order_date,
           date_diff('day', lag(order_date) OVER (PARTITION BY customer_id ORDER BY order_date), order_date) AS gap
    FROM (SELECT DISTINCT customer_id, order_date FROM valid)
),
gaps AS (
    SELECT customer_id, avg(gap) AS gap_mean, stddev_samp(gap) AS gap_std, max(gap) AS gap_max, count(*) AS active_days
    FROM order_days
    GROUP BY customer_id
),
-- The median gap = the middle gap of the customer's ranked gaps, or the mean of the middle two (median() keeps every
-- customer's gaps in memory: at 10M customers it spilled 18 GB and took most of the query's time).
ranked_gaps AS (
    SELECT customer_id, gap, row_number() OVER (PARTITION BY customer_id ORDER BY gap) AS k,
           count(*) OVER (PARTITION BY customer_id) AS n
    FROM order_days
    WHERE gap IS NOT NULL
),
median_gaps AS (
    SELECT customer_id, avg(gap) AS gap_median
    FROM ranked_gaps
    WHERE 2 * k IN (n, n + 1, n + 2)
    GROUP BY customer_id
),
review_stats AS (
    SELECT r.customer_id, count(*) AS reviews, avg(r.rating) AS avg_rating,
           count(*) FILTER (WHERE r.rating <= $negative_rating_max) AS negative_reviews
    FROM reviews r
    WHERE r.customer_id IS NOT NULL AND CAST(r.created_ts AS DATE) <= $cutoff
    GROUP BY r.customer_id
)
SELECT
    po.customer_id,
    CAST(date_diff('day', po.last_order, $cutoff) AS DOUBLE)                                   AS recency_days,
    CAST(po.frequency AS DOUBLE)                                              AS frequency,
    coalesce(s.monetary, 0)                                                   AS monetary,
    coalesce(s.monetary, 0) / po.frequency                                    AS avg_order_value,
    CAST(date_diff('day', po.first_order, $cutoff) AS DOUBLE)                                  AS tenure_days,
    CAST(date_diff('day', least(coalesce(c.signup_date, po.first_order), po.first_order), $cutoff) AS DOUBLE) AS account_age_days,
    CAST(g.gap_mean AS DOUBLE)                                                AS gap_mean,
    CAST(mg.gap_median AS DOUBLE)                                             AS gap_median,
    CAST(g.gap_std AS DOUBLE)                                                 AS gap_std,
    CAST(g.gap_max AS DOUBLE)                                                 AS gap_max,
    CAST(date_diff('day', po.last_order, $cutoff) AS DOUBLE) / nullif(g.gap_mean, 0)           AS recency_gap_ratio,
    CAST(po.orders_last_90 AS DOUBLE)                                         AS orders_last_90,
    CAST(po.orders_prev_90 AS DOUBLE)                                         AS orders_prev_90,
    CAST(po.orders_last_90 - po.orders_prev_90 AS DOUBLE)                     AS order_trend_90,
    round(coalesce(s.spend_last_90, 0) - coalesce(s.spend_prev_90, 0), 6)     AS spend_trend_90,
    CAST(coalesce(s.category_breadth, 0) AS DOUBLE)                           AS category_breadth,
    CAST(coalesce(s.units, 0) AS DOUBLE)                                      AS units,
    CAST(po.discounted_orders AS DOUBLE) / po.frequency                       AS discount_share,
    CAST(po.returned_orders AS DOUBLE) / po.frequency                         AS return_share,
    CAST(po.cancelled_orders AS DOUBLE)                                       AS cancelled_orders,
    CAST(po.channel_count AS DOUBLE)                                          AS channel_count,
    CAST(coalesce(rv.reviews, 0) AS DOUBLE)                                   AS reviews,
    CAST(rv.avg_rating AS DOUBLE)                                             AS avg_rating,
    CAST(coalesce(rv.negative_reviews, 0) AS DOUBLE)                          AS negative_reviews,
    CAST(g.active_days AS DOUBLE)                                             AS purchase_days,
    coalesce(c.membership_tier, 'none')                                       AS membership_tier,
    coalesce(c.channel, 'unknown')                                            AS signup_channel,
    coalesce(mc.main_channel, 'unknown')                                      AS main_channel
FROM per_order po
LEFT JOIN spend s ON s.customer_id = po.customer_id
LEFT JOIN gaps g ON g.customer_id = po.customer_id
LEFT JOIN median_gaps mg ON mg.customer_id = po.customer_id
LEFT JOIN main_channel mc ON mc.customer_id = po.customer_id
LEFT JOIN review_stats rv ON rv.customer_id = po.customer_id
LEFT JOIN customers c ON c.customer_id = po.customer_id
ORDER BY po.customer_id
