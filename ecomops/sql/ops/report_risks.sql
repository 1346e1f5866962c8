-- Risk items of a review period (PLAYBOOK §5, METRICS.md reputation): reviews, reply SLA, backup suppliers,
-- competitor undercuts. One row. Params: $start, $end, $negative_max, $sla_hours.
WITH period_reviews AS (
    SELECT rating, created_ts, replied_ts,
           rating IS NOT NULL AND rating <= $negative_max AS negative
    FROM reviews
    WHERE CAST(created_ts AS DATE) BETWEEN $start AND $end
),
sold AS (
    SELECT DISTINCT l.product_id
    FROM products_line_facts l  -- the sale lines with their order's day (Products summary table)
    WHERE l.is_sale AND l.order_date BETWEEN $start AND $end
),
supplied AS (
    SELECT product_id, bool_or(role = 'backup') AS has_backup FROM product_suppliers GROUP BY product_id
),
latest_competitor AS (
    SELECT c.product_id, c.competitor, c.price
    FROM competitor_prices c
    WHERE c.day BETWEEN $start AND $end
    QUALIFY row_number() OVER (PARTITION BY c.product_id, c.competitor ORDER BY c.day DESC) = 1
),
undercut AS (
    SELECT l.product_id, min(l.price) AS competitor_price, any_value(p.price) AS our_price
    FROM latest_competitor l JOIN products p ON p.product_id = l.product_id
    WHERE l.price < p.price
    GROUP BY l.product_id
)
SELECT
    (SELECT count(*) FROM period_reviews)                                       AS reviews,
    (SELECT count(*) FROM period_reviews WHERE rating IS NOT NULL)              AS rated_reviews,
    (SELECT count(*) FILTER (WHERE negative) FROM period_reviews)               AS negative_reviews,
    (SELECT count(*) FROM period_reviews WHERE negative AND (
        (replied_ts IS NOT NULL AND date_diff('second', created_ts, replied_ts) > $sla_hours * 3600)
        OR (replied_ts IS NULL AND date_diff('second', created_ts, CAST($end AS TIMESTAMP) + INTERVAL 1 DAY)
            > $sla_hours * 3600)))                                                AS sla_breaches,
    (SELECT count(*) FROM supplied WHERE NOT has_backup)                        AS skus_without_backup,
    (SELECT count(*) FROM sold JOIN supplied USING (product_id) WHERE NOT has_backup) AS selling_skus_without_backup,
    (SELECT count(*) FROM undercut)                                             AS undercut_skus,
    (SELECT max(1 - competitor_price / our_price) FROM undercut)                AS deepest_undercut
