-- Compliance headline numbers in one pass: products scanned (category filter), products with claims, claims, and
-- claims per rule category (a list of rule_category + claims structs, most first).
WITH scoped AS (SELECT p.product_id FROM products p WHERE {category_where}),
     found AS (SELECT c.product_id, c.rule_category FROM risk_claim_findings c JOIN scoped s USING (product_id)),
     by_category AS (SELECT rule_category, count(*) AS claims FROM found GROUP BY rule_category)
SELECT (SELECT count(*) FROM scoped) AS products_scanned,
       (SELECT count(DISTINCT product_id) FROM found) AS products_flagged,
       (SELECT count(*) FROM found) AS claims,
       (SELECT list(struct_pack(rule_category := rule_category, claims := claims) ORDER BY claims DESC, rule_category)
        FROM by_category) AS by_category
