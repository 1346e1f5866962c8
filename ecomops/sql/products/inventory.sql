-- ABC class (the shared rule of abc_classes.sql, over the skus CTE), on hand, days of cover and
-- turnover days per SKU (METRICS.md, Products).
-- Params: $first_day (earliest day any window needs), $end, $abc_start (ABC window), $cover_start (days-of-cover
-- window), $period_start (turnover period), $cover_days, $period_days, $a_share, $b_share, $action_a, $action_b,
-- $action_c (the suggested action per class); those of {category_where}.
-- Days of cover is +inf for a SKU with stock and no sales in the cover window, NULL without inventory data.
-- The channel filter is not applied: stock serves every channel.
WITH lines AS (
    SELECT l.product_id, l.order_date, l.quantity, l.gmv
    FROM products_line_facts l
    WHERE l.is_sale AND l.order_date BETWEEN $first_day AND $end
),
sales AS (
    SELECT product_id,
           coalesce(sum(gmv) FILTER (WHERE order_date >= $abc_start), 0)              AS gmv,
           coalesce(sum(quantity) FILTER (WHERE order_date >= $abc_start), 0)         AS units,
           coalesce(sum(quantity) FILTER (WHERE order_date >= $cover_start), 0)       AS units_cover,
           coalesce(sum(quantity) FILTER (WHERE order_date >= $period_start), 0)      AS units_period
    FROM lines
    GROUP BY product_id
),
stock_days AS (  -- total on hand per product and snapshot day, summed over warehouses
    SELECT product_id, snapshot_date, sum(on_hand) AS on_hand
    FROM inventory_snapshots
    WHERE snapshot_date <= $end
    GROUP BY product_id, snapshot_date
),
latest AS (
    SELECT product_id, max(snapshot_date) AS snapshot_date, arg_max(on_hand, snapshot_date) AS on_hand
    FROM stock_days
    GROUP BY product_id
),
period_stock AS (
    SELECT product_id, avg(on_hand) AS avg_on_hand
    FROM stock_days
    WHERE snapshot_date >= $period_start
    GROUP BY product_id
),
universe AS (  -- SKUs sold in the ABC window or holding stock
    SELECT product_id FROM sales WHERE gmv > 0
    UNION
    SELECT product_id FROM latest WHERE on_hand > 0
),
skus AS (
    SELECT u.product_id,
           coalesce(p.title, u.product_id)          AS title,
           coalesce(p.category, 'Uncategorised')     AS category,
           p.price,
           coalesce(s.gmv, 0)                        AS gmv,
           coalesce(s.units, 0)                      AS units,
           coalesce(s.units_cover, 0)                AS units_cover,
           coalesce(s.units_period, 0)               AS units_period,
           l.on_hand,
           l.snapshot_date,
           ps.avg_on_hand
    FROM universe u
    LEFT JOIN products p ON p.product_id = u.product_id
    LEFT JOIN sales s ON s.product_id = u.product_id
    LEFT JOIN latest l ON l.product_id = u.product_id
    LEFT JOIN period_stock ps ON ps.product_id = u.product_id
    WHERE {category_where}
),
classes AS ({abc_classes})
SELECT s.product_id, s.title, s.category, s.price, s.gmv, s.units, c.share, c.cum_share, c.gmv_rank, c.abc_class,
       s.on_hand, s.snapshot_date,
       s.units_cover / $cover_days                                  AS daily_units,
       CASE WHEN s.on_hand > 0 AND s.units_cover = 0 THEN 'inf'::DOUBLE
            ELSE s.on_hand / nullif(s.units_cover / $cover_days, 0) END AS days_of_cover,
       s.avg_on_hand,
       s.units_period / $period_days                                AS period_daily_units,
       s.avg_on_hand / nullif(s.units_period / $period_days, 0)     AS turnover_days,
       CASE c.abc_class WHEN 'A' THEN $action_a WHEN 'B' THEN $action_b ELSE $action_c END AS action
FROM skus s
JOIN classes c ON c.product_id = s.product_id
ORDER BY c.gmv_rank
