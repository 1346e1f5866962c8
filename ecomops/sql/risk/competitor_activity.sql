-- Competitors' promotions and new products in the range, newest first.
-- Placeholder: {where_sql} (c.day, p.category). Params: theirs.
SELECT c.day, c.competitor, c.product_id, p.title, p.category, c.price AS competitor_price,
       p.price AS our_price, c.promotion, c.is_new_product
FROM competitor_prices c
JOIN products p ON p.product_id = c.product_id
WHERE (c.promotion IS NOT NULL OR c.is_new_product) AND {where_sql}
ORDER BY c.day DESC, c.competitor, c.product_id
