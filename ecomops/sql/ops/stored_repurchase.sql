-- The stored trailing-window repurchase counts (daily_repurchase, migration 950) of $start..$end: the same columns
-- as ops/monitoring_repurchase.sql, which computes them from the orders when the filters or window differ. A day
-- before the first stored one has no order in its window (the table starts at the first order day).
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM (SELECT unnest(generate_series(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 DAY)) AS d) r
)
SELECT days.day, coalesce(s.window_buyers, 0) AS window_buyers,
       coalesce(s.window_repeat_buyers, 0) AS window_repeat_buyers,
       CASE WHEN s.window_buyers > 0 THEN s.window_repeat_buyers / s.window_buyers END AS repurchase_rate
FROM days
LEFT JOIN daily_repurchase s ON s.day = days.day AND s.window_days = $window
ORDER BY days.day
