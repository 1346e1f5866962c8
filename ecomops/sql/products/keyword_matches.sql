-- How many catalogue products match each keyword: every word of the keyword appears in the product's title or
-- description (case-insensitive). {keywords}: a query returning one row per keyword in a column `keyword`.
-- The one definition of the rule: the Demand page's new-demand list and demand.matching_products both use it.
WITH kw AS (
    {keywords}
),
tokens AS (
    SELECT keyword, token FROM (
        SELECT keyword, unnest(string_split(lower(trim(keyword)), ' ')) AS token FROM kw
    ) WHERE token <> ''
),
n_tokens AS (SELECT keyword, count(DISTINCT token) AS n FROM tokens GROUP BY keyword),
hits AS (
    SELECT t.keyword, p.product_id
    FROM tokens t
    JOIN products p ON contains(lower(p.title || ' ' || coalesce(p.description, '')), t.token)
    GROUP BY t.keyword, p.product_id
    HAVING count(DISTINCT t.token) = (SELECT n FROM n_tokens WHERE n_tokens.keyword = t.keyword)
)
SELECT kw.keyword, count(h.product_id) AS matching_products
FROM kw LEFT JOIN hits h ON h.keyword = kw.keyword
GROUP BY kw.keyword
