-- Recommended products for dormant customers as of $cutoff (recency in ($min_recency, $max_recency] days):
-- the best sellers of the last 90 days in the customer's most-bought category that they have not bought yet,
-- topped up with the overall best sellers. Params: $cutoff, $min_recency, $max_recency, $per_customer.
WITH last_order AS (
    SELECT customer_id, max(order_date) AS last_day
    FROM valid_orders
    WHERE customer_id IS NOT NULL AND order_date <= $cutoff
    GROUP BY customer_id
),
targets AS (
    SELECT customer_id FROM last_order
    WHERE date_diff('day', last_day, $cutoff) > $min_recency AND date_diff('day', last_day, $cutoff) <= $max_recency
),
history AS (
    SELECT i.customer_id, i.product_id, coalesce(p.category, 'Uncategorised') AS category, sum(i.gmv) AS spend
    FROM sale_lines i
    JOIN targets t ON t.customer_id = i.customer_id
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.order_date <= $cutoff
    GROUP BY ALL
),
top_category AS (
    SELECT customer_id, category
    FROM (SELECT customer_id, category, sum(spend) AS spend FROM history GROUP BY ALL)
    -- spend rounded to 1e-6: equal sums rank by category on every engine (their last bits differ)
    QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY round(spend, 6) DESC, category) = 1
),
sellers AS (
    SELECT i.product_id, coalesce(p.category, 'Uncategorised') AS category, max(p.title) AS title,
           sum(i.quantity) AS units
    FROM sale_lines i
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.order_date > $cutoff - 90 AND i.order_date <= $cutoff
    GROUP BY ALL
),
category_best AS (
    SELECT *, row_number() OVER (PARTITION BY category ORDER BY units DESC, product_id) AS rnk
    FROM sellers QUALIFY rnk <= $per_customer + 5
),
overall_best AS (
    SELECT *, 1000 + row_number() OVER (ORDER BY units DESC, product_id) AS rnk
    FROM sellers QUALIFY rnk <= 1000 + $per_customer + 5
),
-- Per top category: its best sellers and the overall ones, each product once at its best rank (deduplicated here,
-- per category, rather than per customer: at 10M customers that grouping of 13M candidates took 20 s).
category_candidates AS (
    SELECT category, product_id, title, min(rnk) AS rnk
    FROM (SELECT category, product_id, title, rnk FROM category_best
          UNION ALL
          SELECT c.category, b.product_id, b.title, b.rnk
          FROM (SELECT DISTINCT category FROM top_category) c CROSS JOIN overall_best b)
    GROUP BY category, product_id, title
),
candidates AS (
    SELECT tc.customer_id, tc.category AS top_category, b.product_id, b.title, b.rnk
    FROM top_category tc JOIN category_candidates b ON b.category = tc.category
),
fresh AS (
    SELECT c.customer_id, c.top_category, c.product_id, c.title, c.rnk FROM candidates c
    ANTI JOIN history h ON h.customer_id = c.customer_id AND h.product_id = c.product_id
),
ranked AS (
    SELECT customer_id, top_category, product_id, title, rnk FROM fresh
    QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY rnk, product_id) <= $per_customer
)
SELECT customer_id, max(top_category) AS top_category,
       string_agg(coalesce(title, product_id), ' | ' ORDER BY rnk, product_id) AS recommendations,
       string_agg(product_id, ' | ' ORDER BY rnk, product_id) AS recommended_ids
FROM ranked
GROUP BY customer_id
