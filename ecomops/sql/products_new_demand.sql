-- New demand: the $candidates fastest-growing queries (growth >= $min_growth, or new) and how many catalogue
-- products match each (every word of the query in the title or description); those with at most $max_products.
-- The growth CTE is products_search_growth.sql grouped by keyword; params: its own and $min_growth,
-- $candidates, $max_products.
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
tokens AS (
    SELECT keyword, token FROM (
        SELECT keyword, unnest(string_split(lower(trim(keyword)), ' ')) AS token FROM growing
    ) WHERE token <> ''
),
n_tokens AS (SELECT keyword, count(DISTINCT token) AS n FROM tokens GROUP BY keyword),
hits AS (
    SELECT t.keyword, p.product_id
    FROM tokens t
    JOIN products p ON contains(lower(p.title || ' ' || coalesce(p.description, '')), t.token)
    GROUP BY t.keyword, p.product_id
    HAVING count(DISTINCT t.token) = (SELECT n FROM n_tokens WHERE n_tokens.keyword = t.keyword)
),
counts AS (
    SELECT g.keyword, count(h.product_id) AS matching_products
    FROM growing g LEFT JOIN hits h ON h.keyword = g.keyword
    GROUP BY g.keyword
)
SELECT g.keyword, g.category, g.searches, g.searches_prev, g.growth, g.is_new, g.clicks, g.orders, g.conversion,
       c.matching_products
FROM growing g
JOIN counts c ON c.keyword = g.keyword
WHERE c.matching_products <= $max_products
ORDER BY CASE WHEN g.is_new THEN 'inf'::DOUBLE ELSE g.growth END DESC NULLS LAST, g.searches DESC, g.keyword
