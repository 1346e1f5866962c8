-- Niche demand: products priced in the top quarter of their category, selling in most weeks of the window with
-- steady weekly units (coefficient of variation at most the category median, or at most $max_cv: seasonal peaks
-- like Double 11 lift every product's variation, so steadiness is judged against peers), at no more than their
-- category's median volume.
-- Params: $start, $end, $weeks, $min_weeks, $max_cv; those of {order_where} (channel) and {category_where}.
WITH lines AS (
    SELECT l.product_id,
           CAST(floor(date_diff('day', l.order_date, $end) / 7) AS INTEGER) AS week_no,
           l.quantity, l.gmv
    FROM products_line_facts l
    WHERE l.is_sale AND l.order_date BETWEEN $start AND $end
      AND {order_where} AND {category_where}
),
weekly AS (
    SELECT product_id, week_no, sum(quantity) AS units, sum(gmv) AS gmv
    FROM lines
    GROUP BY product_id, week_no
),
per_product AS (  -- weekly mean and standard deviation over all weeks of the window (weeks without sales are 0)
    SELECT w.product_id, count(*) AS weeks_with_sales, sum(w.units) AS units, sum(w.gmv) AS gmv,
           sum(w.gmv) / sum(w.units) AS avg_price,
           sum(w.units) / $weeks AS mean_weekly_units,
           sqrt(greatest(sum(w.units * w.units) / $weeks - (sum(w.units) / $weeks) * (sum(w.units) / $weeks), 0))
               AS sd_weekly_units
    FROM weekly w
    GROUP BY w.product_id
),
with_category AS (
    SELECT pp.*, coalesce(p.title, pp.product_id) AS title, coalesce(p.category, 'Uncategorised') AS category,
           pp.sd_weekly_units / pp.mean_weekly_units AS weekly_cv
    FROM per_product pp
    LEFT JOIN products p ON p.product_id = pp.product_id
),
category_stats AS (
    SELECT category, quantile_cont(avg_price, 0.75) AS category_price_p75,
           quantile_cont(units, 0.5) AS category_median_units, quantile_cont(weekly_cv, 0.5) AS category_median_cv,
           count(*) AS category_products
    FROM with_category
    GROUP BY category
)
SELECT w.product_id, w.title, w.category, w.avg_price, c.category_price_p75, w.units, c.category_median_units,
       w.gmv, w.weeks_with_sales, w.mean_weekly_units, w.weekly_cv, c.category_median_cv
FROM with_category w
JOIN category_stats c ON c.category = w.category
WHERE c.category_products >= 4
  AND w.avg_price >= c.category_price_p75
  AND w.units <= c.category_median_units
  AND w.weeks_with_sales >= $min_weeks
  AND (w.weekly_cv <= c.category_median_cv OR w.weekly_cv <= $max_cv)
ORDER BY w.avg_price DESC, w.product_id
LIMIT 100
