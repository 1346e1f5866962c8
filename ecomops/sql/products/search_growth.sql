-- Search demand per keyword or category: last 4 weeks vs the 4 weeks before, and vs the same 4 weeks a year earlier,
-- with growth, year-over-year growth, CTR and conversion; fastest growth first (new queries lead).
-- Params: $now_start, $end, $prev_start, $prev_end, $yoy_start, $yoy_end, $min_searches; those of {keyword_where}.
-- {group_expr} is k.keyword or the category expression, {key_name} its column name and {category_column} the
-- keyword's category column (or nothing), all chosen from a whitelist in code.
-- Year-over-year figures are NULL unless the search data reaches back to $yoy_start.
WITH k AS (
    SELECT {group_expr} AS key, k.category, k.day, k.searches, k.clicks, k.orders, k.gmv
    FROM search_keywords k
    WHERE {keyword_where}
      AND (k.day BETWEEN $prev_start AND $end OR k.day BETWEEN $yoy_start AND $yoy_end)
),
totals AS (
    SELECT key,
           max(category)                                                             AS category,
           coalesce(sum(searches) FILTER (WHERE day >= $now_start), 0)              AS searches,
           coalesce(sum(searches) FILTER (WHERE day BETWEEN $prev_start AND $prev_end), 0) AS searches_prev,
           CASE WHEN (SELECT min(day) FROM search_keywords) <= $yoy_start
                THEN sum(searches) FILTER (WHERE day BETWEEN $yoy_start AND $yoy_end) END AS searches_yoy,
           coalesce(sum(clicks) FILTER (WHERE day >= $now_start), 0)                AS clicks,
           coalesce(sum(orders) FILTER (WHERE day >= $now_start), 0)                AS orders,
           coalesce(sum(gmv) FILTER (WHERE day >= $now_start), 0)                   AS gmv
    FROM k
    GROUP BY key
),
rated AS (
    SELECT *,
           CASE WHEN searches_prev > 0 THEN (CAST(searches AS DOUBLE) - searches_prev) / searches_prev END AS growth,
           CASE WHEN searches_yoy > 0 THEN (CAST(searches AS DOUBLE) - searches_yoy) / searches_yoy END    AS yoy_growth,
           searches_prev = 0 AND searches > 0                                                            AS is_new,
           CASE WHEN searches > 0 THEN CAST(clicks AS DOUBLE) / searches END                             AS ctr,
           CASE WHEN searches > 0 THEN CAST(orders AS DOUBLE) / searches END                             AS conversion
    FROM totals
    WHERE searches >= $min_searches AND (searches > 0 OR searches_prev > 0)
)
SELECT key AS {key_name}{category_column}, searches, searches_prev, searches_yoy, clicks, orders, gmv,
       growth, yoy_growth, is_new, ctr, conversion
FROM rated
ORDER BY CASE WHEN is_new THEN 'inf'::DOUBLE ELSE growth END DESC NULLS LAST, searches DESC, key
