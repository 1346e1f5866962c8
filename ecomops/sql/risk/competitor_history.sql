-- One product's competitor prices over the range. Placeholder: {where_sql} (c.day). Params: theirs, $product_id.
SELECT c.day, c.competitor AS series, c.price, c.promotion
FROM competitor_prices c
WHERE c.product_id = $product_id AND {where_sql}
ORDER BY c.day, c.competitor  -- a total order: engines break ties differently
