-- Searches, orders and GMV per search keyword in the review period (cur) and the comparison period (prev).
-- Params: $cur_start, $cur_end, $prev_start, $prev_end (+ category filter params).
SELECT k.keyword AS segment, any_value(k.category) AS category,
       coalesce(sum(k.searches) FILTER (WHERE k.day BETWEEN $cur_start AND $cur_end), 0) AS value,
       coalesce(sum(k.searches) FILTER (WHERE k.day BETWEEN $prev_start AND $prev_end), 0) AS previous,
       coalesce(sum(k.gmv) FILTER (WHERE k.day BETWEEN $cur_start AND $cur_end), 0) AS gmv
FROM search_keywords k
WHERE (k.day BETWEEN $cur_start AND $cur_end OR k.day BETWEEN $prev_start AND $prev_end) AND {keyword_category_where}
GROUP BY k.keyword
