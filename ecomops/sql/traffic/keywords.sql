-- (Braces of regex classes are doubled: the file goes through str.format.)
-- Keyword table for the range against the previous range of equal length, with the core / long-tail class
-- (rule in ecomops/traffic_search.py). Word units: Latin/number words plus one unit per 2 Chinese characters.
-- Format slots: {cur_where}, {prev_where} (filters on s.day, s.category). Params: theirs + $core_max_words,
-- $core_min_share. CTR = clicks / searches, conversion = orders / searches, growth = searches / previous - 1
-- (NULL where the denominator is 0 or missing); columns in the order of traffic_search.KEYWORD_COLUMNS.
WITH cur AS (
    SELECT s.keyword, max(s.category) AS category, sum(s.searches) AS searches, sum(s.clicks) AS clicks,
           sum(s.orders) AS orders, sum(s.gmv) AS gmv
    FROM search_keywords s WHERE {cur_where}
    GROUP BY s.keyword
),
prev AS (
    SELECT s.keyword, sum(s.searches) AS previous_searches
    FROM search_keywords s WHERE {prev_where}
    GROUP BY s.keyword
),
measured AS (
    SELECT cur.*, prev.previous_searches,
           searches / nullif(sum(searches) OVER (), 0) AS search_share,
           CAST(len(regexp_extract_all(regexp_replace(cur.keyword, '\p{{Han}}', ' ', 'g'), '[\p{{L}}\p{{N}}]+'))
                + ceil(length(regexp_replace(cur.keyword, '[^\p{{Han}}]', '', 'g')) / 2) AS INTEGER) AS words
    FROM cur LEFT JOIN prev ON prev.keyword = cur.keyword
)
SELECT keyword, category,
       CASE WHEN words <= $core_max_words AND search_share >= $core_min_share THEN 'core' ELSE 'long-tail' END AS kind,
       words, CAST(searches AS DOUBLE) AS searches, search_share, CAST(clicks AS DOUBLE) AS clicks,
       CASE WHEN searches <> 0 THEN CAST(clicks AS DOUBLE) / CAST(searches AS DOUBLE) END AS ctr,
       CAST(orders AS DOUBLE) AS orders,
       CASE WHEN searches <> 0 THEN CAST(orders AS DOUBLE) / CAST(searches AS DOUBLE) END AS conversion_rate,
       CAST(gmv AS DOUBLE) AS gmv, CAST(previous_searches AS DOUBLE) AS previous_searches,
       CASE WHEN previous_searches <> 0
            THEN CAST(searches AS DOUBLE) / CAST(previous_searches AS DOUBLE) - 1 END AS growth
FROM measured
ORDER BY searches DESC, keyword
