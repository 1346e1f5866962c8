-- Daily trailing-window repurchase rate (METRICS.md "repurchase rate for a period", the period being the
-- $window days ending on each day): buyers with 2+ valid orders in the window / buyers in the window.
-- Linear in customer-days (no day x customer expansion): a customer-day t counts as one window buyer on the days
-- d in [t, min(next purchase day, t + window)) -- the days on which t is the customer's latest purchase in the
-- window -- and as a repeat buyer on those days while the window also holds a second order (2+ orders on t, or the
-- previous purchase day p with d < p + window). Running sums of +1/-1 events give the counts per day.
-- {order_category} (filters.order_category) is TRUE without a category filter (so no join to the lines is
-- planned), else a semi-join on the orders holding a line of the chosen categories, as in kpis.sql. Params: $start (first day reported), $end, $window, plus the order filter params ({order_where} covers
-- $start - $window + 1 .. $end, with the scan_ prefix).
WITH window_orders AS (  -- (not named valid_orders: Spark resolves a CTE named like its source to itself)
    SELECT o.order_date AS day, o.customer_id
    FROM valid_orders o
    WHERE o.customer_id IS NOT NULL AND {order_where} AND {order_category}
),
customer_days AS (
    SELECT customer_id, day, count(*) AS n_orders FROM window_orders GROUP BY customer_id, day
),
neighbours AS (
    SELECT day, n_orders,
           lag(day) OVER w AS prev_day,
           coalesce(lead(day) OVER w, day + $window) AS next_day
    FROM customer_days
    WINDOW w AS (PARTITION BY customer_id ORDER BY day)
),
intervals AS (
    SELECT day AS open_day,
           least(next_day, day + $window) AS buyer_close,
           CASE WHEN n_orders >= 2 THEN least(next_day, day + $window)
                WHEN prev_day IS NOT NULL AND prev_day + $window > day
                    THEN least(next_day, day + $window, prev_day + $window)
           END AS repeat_close
    FROM neighbours
),
events AS (
    SELECT open_day AS day, 1 AS d_buyers, 0 AS d_repeat FROM intervals
    UNION ALL SELECT buyer_close, -1, 0 FROM intervals
    UNION ALL SELECT open_day, 0, 1 FROM intervals WHERE repeat_close IS NOT NULL
    UNION ALL SELECT repeat_close, 0, -1 FROM intervals WHERE repeat_close IS NOT NULL
),
per_day AS (
    SELECT day, sum(d_buyers) AS d_buyers, sum(d_repeat) AS d_repeat FROM events GROUP BY day
),
days AS (
    SELECT CAST(d AS DATE) AS day
    FROM (SELECT unnest(generate_series(CAST($start AS TIMESTAMP) - to_days(CAST($window AS INTEGER) - 1),
                                        CAST($end AS TIMESTAMP), INTERVAL 1 DAY)) AS d) r
),
running AS (
    SELECT days.day,
           sum(coalesce(per_day.d_buyers, 0)) OVER (ORDER BY days.day) AS window_buyers,
           sum(coalesce(per_day.d_repeat, 0)) OVER (ORDER BY days.day) AS window_repeat_buyers
    FROM days LEFT JOIN per_day ON per_day.day = days.day
)
SELECT day, CAST(window_buyers AS BIGINT) AS window_buyers, CAST(window_repeat_buyers AS BIGINT) AS window_repeat_buyers,
       CASE WHEN window_buyers > 0 THEN window_repeat_buyers / window_buyers END AS repurchase_rate
FROM running
WHERE day >= $start
ORDER BY day
