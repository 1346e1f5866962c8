-- Product repurchase rate over one window: buyers with 2+ valid orders holding the product / buyers of the
-- product (guest orders excluded). The category benchmark (the median over the category's products) is taken in
-- products_review.repurchase_vs_category. Params: $start, $end; those of {order_where} (channel), {category_where}.
WITH product_buyers AS (  -- a buyer repurchased when their first and last order holding the product differ
    SELECT l.product_id, max(l.category) AS category, l.customer_key,
           min(l.order_no) <> max(l.order_no) AS repeated
    FROM products_line_facts l
    WHERE l.is_sale AND l.customer_key IS NOT NULL
      AND l.order_date BETWEEN $start AND $end AND {order_where} AND {category_where}
    GROUP BY l.product_id, l.customer_key
),
product_rate AS (
    SELECT product_id, max(category) AS category, count(*) AS buyers,
           count(*) FILTER (WHERE repeated) AS repeat_buyers
    FROM product_buyers
    GROUP BY product_id
)
SELECT pr.product_id, coalesce(p.title, pr.product_id) AS title, pr.category, pr.buyers, pr.repeat_buyers,
       CAST(pr.repeat_buyers AS DOUBLE) / pr.buyers AS repurchase_rate
FROM product_rate pr
LEFT JOIN products p ON p.product_id = pr.product_id
ORDER BY pr.buyers DESC, pr.product_id
