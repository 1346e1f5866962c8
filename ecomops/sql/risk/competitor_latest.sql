-- Latest competitor observation per product and competitor within the date range, with our list price and cost.
-- Params: those of {where_sql} (c.day, p.category).
SELECT c.product_id, p.title, p.category, c.competitor, c.day, c.price AS competitor_price,
       p.price AS our_price, p.cost AS our_cost, c.promotion, c.is_new_product
FROM competitor_prices c
JOIN products p ON p.product_id = c.product_id
WHERE {where_sql}
QUALIFY row_number() OVER (PARTITION BY c.product_id, c.competitor ORDER BY c.day DESC) = 1
ORDER BY c.product_id, c.competitor
