-- Organic search traffic per bucket (UV of the 'search' channel, summed daily UV) and on-site searches split by
-- core / long-tail keywords ($core: the list of core keywords); plus period totals for the range and the previous
-- range of equal length (rows with bucket NULL, `period` current / previous), all from one scan of each table.
-- Format slots: {grain} (whitelisted literal), {kw_where}, {uv_where} (both over previous start .. end).
-- Params: theirs + $current_start (first day of the current range), $core.
-- Figures are DOUBLE; searches = core + long-tail (NULL when both are).
WITH kw AS (
    SELECT CASE WHEN s.day >= $current_start THEN date_trunc('{grain}', s.day) END AS bucket,
           CASE WHEN s.day >= $current_start THEN 'current' ELSE 'previous' END AS period,
           s.searches, list_contains($core, s.keyword) AS is_core
    FROM search_keywords s WHERE {kw_where}
),
kw_agg AS (
    SELECT bucket, period, grouping(bucket) AS g,
           sum(searches) FILTER (WHERE is_core) AS core_searches,
           sum(searches) FILTER (WHERE NOT is_core) AS long_tail_searches
    FROM kw GROUP BY GROUPING SETS ((bucket), (period))
),
uv AS (
    SELECT CASE WHEN t.day >= $current_start THEN date_trunc('{grain}', t.day) END AS bucket,
           CASE WHEN t.day >= $current_start THEN 'current' ELSE 'previous' END AS period, t.uv
    FROM traffic_daily t WHERE t.channel = 'search' AND {uv_where}
),
uv_agg AS (
    SELECT bucket, period, grouping(bucket) AS g, sum(uv) AS search_uv
    FROM uv GROUP BY GROUPING SETS ((bucket), (period))
),
both_sides AS (
    SELECT bucket, period, g, core_searches, long_tail_searches, NULL::HUGEINT AS search_uv FROM kw_agg
    UNION ALL
    SELECT bucket, period, g, NULL, NULL, search_uv FROM uv_agg
)
SELECT CAST(bucket AS DATE) AS bucket, period,
       CAST(sum(core_searches) AS DOUBLE) AS core_searches, CAST(sum(long_tail_searches) AS DOUBLE) AS long_tail_searches,
       CAST(sum(search_uv) AS DOUBLE) AS search_uv,
       CASE WHEN sum(core_searches) IS NOT NULL OR sum(long_tail_searches) IS NOT NULL
            THEN CAST(coalesce(sum(core_searches), 0) AS DOUBLE) + CAST(coalesce(sum(long_tail_searches), 0) AS DOUBLE)
       END AS searches
FROM both_sides
-- rows of the (bucket) set whose bucket is NULL hold the previous range: its totals come from the (period) set
WHERE NOT (g = 0 AND bucket IS NULL)
GROUP BY bucket, period
ORDER BY bucket NULLS FIRST, period
