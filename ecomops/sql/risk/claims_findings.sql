-- Stored claims (migration 800) of the products in the category filter, in reading order.
SELECT c.product_id, p.title, p.category, c.field, c.matched, c.word, c.language, c.rule_category, c.reason,
       c.suggestion, c.highlighted
FROM risk_claim_findings c
JOIN products p ON p.product_id = c.product_id
WHERE {category_where}
ORDER BY c.seq
