-- Monthly acquisition cohorts: buyers whose first valid order (prev_order_date IS NULL) falls in a month from
-- $cohort_start to $as_of, optionally only those acquired through the chosen channels (<channel_where> on the
-- first order). For each cohort and month k = 0, 1, ... up to the month of $as_of:
--   repeaters  buyers of the cohort with a repeat valid order (any order but their first) in month k; month 0 thus
--              counts a second order within the acquisition month (counted along the order chain: below)
--   gmv        GMV of the cohort's valid orders in month k (first orders included), for cumulative spend
-- Orders after $as_of are ignored; the month of $as_of may be partial.
WITH acquired AS (
    SELECT o.ckey, CAST(date_trunc('month', o.order_date) AS DATE) AS cohort
    FROM users_order_facts o
    WHERE o.ckey IS NOT NULL AND o.prev_order_date IS NULL
      AND o.order_date BETWEEN $cohort_start AND $as_of AND {channel_where}
),
sizes AS (
    SELECT cohort, count(*) AS customers FROM acquired GROUP BY cohort
),
activity AS (
    SELECT a.cohort,
           date_diff('month', a.cohort, CAST(date_trunc('month', o.order_date) AS DATE)) AS k,
           -- a buyer with a repeat order in month k is counted once, at their last order of that month (the next
           -- one is in a later month, after $as_of, or none), which is a repeat exactly when they have one there:
           -- the same as count(DISTINCT ckey) of the repeat orders without the distinct (3.2 s of 3.6 s at 10M)
           count(*) FILTER (WHERE o.prev_order_date IS NOT NULL
                              AND (o.next_order_date IS NULL OR o.next_order_date > $as_of
                                   OR date_trunc('month', o.next_order_date) > date_trunc('month', o.order_date)))
               AS repeaters,
           sum(o.gmv) AS gmv
    FROM users_order_facts o JOIN acquired a ON a.ckey = o.ckey
    -- a cohort's orders are on or after its first ones: the lower bound skips the older orders (the table is sorted
    -- by day) instead of joining every order of the history to the cohorts
    WHERE o.order_date BETWEEN $cohort_start AND $as_of
    GROUP BY ALL
),
grid AS (
    SELECT cohort, customers,
           unnest(range(0, date_diff('month', cohort, CAST(date_trunc('month', CAST($as_of AS DATE)) AS DATE)) + 1)) AS k
    FROM sizes
)
SELECT g.cohort, g.k, g.customers,
       coalesce(a.repeaters, 0) AS repeaters,
       coalesce(a.repeaters, 0) / g.customers AS retention,
       sum(coalesce(a.gmv, 0)) OVER (PARTITION BY g.cohort ORDER BY g.k) / g.customers AS cumulative_spend
FROM grid g LEFT JOIN activity a ON a.cohort = g.cohort AND a.k = g.k
ORDER BY g.cohort, g.k
