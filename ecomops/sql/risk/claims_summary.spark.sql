-- Spark variant of risk_claims_summary.sql (same result; see docs/spark-findings.md). Input to the transpiler
-- like every query (DuckDB syntax); sort_array and transform are called as Spark has them.
-- Compliance headline numbers in one pass: products scanned (category filter), products with claims, claims, and
-- claims per rule category (a list of rule_category + claims structs, most first).
WITH scoped AS (SELECT p.product_id FROM products p WHERE {category_where}),
     found AS (SELECT c.product_id, c.rule_category FROM risk_claim_findings c JOIN scoped s USING (product_id)),
     by_category AS (SELECT rule_category, count(*) AS claims FROM found GROUP BY rule_category)
SELECT (SELECT count(*) FROM scoped) AS products_scanned,
       (SELECT count(DISTINCT product_id) FROM found) AS products_flagged,
       (SELECT count(*) FROM found) AS claims,
       -- Spark's collect_list keeps no ORDER BY and returns [] (not NULL) over no rows: sort the structs by
       -- (-claims, rule_category), then drop the sort key; NULL when there is no claim, as on DuckDB.
       (SELECT CASE WHEN count(*) > 0 THEN
                    transform(sort_array(list(struct_pack(neg_claims := -claims, rule_category := rule_category,
                                                          claims := claims))),
                              x -> struct_pack(rule_category := x.rule_category, claims := x.claims))
               END
        FROM by_category) AS by_category
