-- RFM scores and segment of every buyer key as of $as_of (whole history up to $as_of, all channels), over the
-- derived valid orders of migration 600.
--   recency_days  days from the last valid order to $as_of     frequency  valid orders
--   monetary      GMV of the customer's valid orders (lines with quantity > 0)
-- Scores 1-5 are quintiles with ties kept together: score = 1 + floor(5 * w / n), where w = number of buyers
-- strictly worse on that measure (larger recency, fewer orders, lower spend) and n = number of buyers. The best
-- fifth get 5. fm_score = (f_score + m_score) / 2 rounded half up. Segment rules (first matching row of
-- ecomops.users.rfm.RFM_RULES, a complete partition of the R x FM grid):
--   Champions R5 FM4-5 | Loyal R3-4 FM4-5 | Potential loyalist R4-5 FM2-3 | New R4-5 FM1 | Needs attention R3 FM1-3
--   Can't lose R1-2 FM5 | At risk R1-2 FM3-4 | Hibernating R2 FM1-2 | Lost R1 FM1-2
-- Monetary is rounded to 6 decimals: DuckDB adds doubles in thread order, and last-bit differences would break ties
-- between equal spenders differently from run to run (rank() shares a score among ties).
WITH base AS (
    SELECT ckey, date_diff('day', max(order_date), $as_of) AS recency_days, count(*) AS frequency,
           round(sum(gmv), 6) AS monetary, min(order_date) AS first_order_date, max(order_date) AS last_order_date
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date <= $as_of
    GROUP BY ckey
),
scored AS (
    SELECT *,
           CAST(1 + floor(5 * (rank() OVER (ORDER BY recency_days DESC) - 1) / count(*) OVER ()) AS INTEGER) AS r_score,
           CAST(1 + floor(5 * (rank() OVER (ORDER BY frequency ASC) - 1) / count(*) OVER ()) AS INTEGER) AS f_score,
           CAST(1 + floor(5 * (rank() OVER (ORDER BY monetary ASC) - 1) / count(*) OVER ()) AS INTEGER) AS m_score
    FROM base
),
graded AS (
    SELECT *, CAST(floor((f_score + m_score + 1) / 2) AS INTEGER) AS fm_score FROM scored
)
SELECT ckey, recency_days, frequency, monetary, r_score, f_score, m_score, fm_score,
       CASE WHEN r_score = 5 AND fm_score >= 4 THEN 'Champions'
            WHEN r_score >= 3 AND fm_score >= 4 THEN 'Loyal'
            WHEN r_score >= 4 AND fm_score >= 2 THEN 'Potential loyalist'
            WHEN r_score >= 4 THEN 'New'
            WHEN r_score = 3 THEN 'Needs attention'
            WHEN fm_score = 5 THEN 'Can''t lose'
            WHEN fm_score >= 3 THEN 'At risk'
            WHEN r_score = 2 THEN 'Hibernating'
            ELSE 'Lost' END AS segment,
       first_order_date, last_order_date
FROM graded
