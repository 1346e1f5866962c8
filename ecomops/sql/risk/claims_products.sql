-- Products with stored claims (migration 800) in the category filter, most claims first.
SELECT c.product_id, p.title, p.category, c.claims, c.words, c.rule_categories, c.title_highlighted,
       c.description_highlighted, c.suggested_title
FROM risk_claim_products c
JOIN products p ON p.product_id = c.product_id
WHERE {category_where}
ORDER BY c.claims DESC, c.product_id
