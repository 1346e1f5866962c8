-- Search demand per keyword or category: last 4 weeks vs the 4 weeks before, and vs the same 4 weeks a year earlier.
-- Params: $now_start, $end, $prev_start, $prev_end, $yoy_start, $yoy_end; those of {keyword_where}.
-- {group_expr} is k.keyword or the category expression (chosen from a whitelist in code).
WITH k AS (
    SELECT {group_expr} AS key, k.category, k.day, k.searches, k.clicks, k.orders, k.gmv
    FROM search_keywords k
    WHERE {keyword_where}
      AND (k.day BETWEEN $prev_start AND $end OR k.day BETWEEN $yoy_start AND $yoy_end)
)
SELECT key,
       max(category)                                                             AS category,
       coalesce(sum(searches) FILTER (WHERE day >= $now_start), 0)              AS searches,
       coalesce(sum(searches) FILTER (WHERE day BETWEEN $prev_start AND $prev_end), 0) AS searches_prev,
       sum(searches) FILTER (WHERE day BETWEEN $yoy_start AND $yoy_end)         AS searches_yoy,
       coalesce(sum(clicks) FILTER (WHERE day >= $now_start), 0)                AS clicks,
       coalesce(sum(orders) FILTER (WHERE day >= $now_start), 0)                AS orders,
       coalesce(sum(gmv) FILTER (WHERE day >= $now_start), 0)                   AS gmv
FROM k
GROUP BY key
