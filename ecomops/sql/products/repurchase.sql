-- Product repurchase rate over one window: buyers with 2+ valid orders holding the product / buyers of the
-- product (guest orders excluded). The category benchmark (the median over the category's products) is taken in
-- products_review.repurchase_vs_category. Params: $start, $end; those of {order_where} (channel), {category_where}.
-- The product_buyers slot: products/repurchase_buyers_chained.sql (no channel chosen) or
-- products/repurchase_buyers_grouped.sql (products/review.py chooses); both read the CTE lines.
WITH lines AS (
    SELECT l.product_key, l.product_id, l.category, l.customer_key, l.order_no, l.first_product_line,
           l.buy_prev_date, l.buy_next_date
    FROM products_line_facts l
    WHERE l.is_sale AND l.customer_key IS NOT NULL
      AND l.order_date BETWEEN $start AND $end AND {order_where} AND {category_where}
),
product_rate AS (  -- per product: buyers, and buyers with 2+ orders holding it in the window
{product_buyers}
)
SELECT pr.product_id, coalesce(p.title, pr.product_id) AS title, pr.category, pr.buyers, pr.repeat_buyers,
       CAST(pr.repeat_buyers AS DOUBLE) / pr.buyers AS repurchase_rate
FROM product_rate pr
LEFT JOIN products p ON p.product_id = pr.product_id
ORDER BY pr.buyers DESC, pr.product_id
