-- (Braces of regex classes are doubled: the file goes through str.format.)
-- Keyword table for the range against the previous range of equal length, with the core / long-tail class
-- (rule in ecomops/traffic_search.py). Word units: Latin/number words plus one unit per 2 Chinese characters.
-- Format slots: {cur_where}, {prev_where} (filters on s.day, s.category). Params: theirs + $core_max_words,
-- $core_min_share.
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
       words, searches, search_share, clicks, orders, gmv, previous_searches
FROM measured
ORDER BY searches DESC, keyword
