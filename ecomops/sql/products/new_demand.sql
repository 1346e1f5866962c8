-- New demand: the $candidates fastest-growing queries (growth >= $min_growth, or new) and how many catalogue
-- products match each (every word of the query in the title or description); those with at most $max_products.
-- The growth CTE is products_search_growth.sql grouped by keyword, the counts products_keyword_matches.sql;
-- params: the growth query's and $min_growth, $candidates, $max_products.
WITH growth AS (
    {search_growth}
),
growing AS (
    SELECT *
    FROM growth
    WHERE is_new OR growth >= $min_growth
    ORDER BY CASE WHEN is_new THEN 'inf'::DOUBLE ELSE growth END DESC NULLS LAST, searches DESC, keyword
    LIMIT $candidates
),
counts AS (
    {keyword_matches}
)
SELECT g.keyword, g.category, g.searches, g.searches_prev, g.growth, g.is_new, g.clicks, g.orders, g.conversion,
       c.matching_products
FROM growing g
JOIN counts c ON c.keyword = g.keyword
WHERE c.matching_products <= $max_products
ORDER BY CASE WHEN g.is_new THEN 'inf'::DOUBLE ELSE g.growth END DESC NULLS LAST, g.searches DESC, g.keyword
