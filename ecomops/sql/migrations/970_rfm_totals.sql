-- 970: the RFM scores are computed when read instead of stored per buyer. A new order day moves every buyer's
-- recency and the quintile cut-offs, so storing the scores rewrote a row per buyer after every one-day import
-- (0.28 s of the users update's 0.68 s at 1M customers, most of it writing). Now the users build and its
-- incremental update store each buyer's totals, which do not depend on the reference date once it is on or after
-- the last order day (users_rfm_totals, totals_as_of NULL: an update rewrites only the touched buyers' rows), and
-- one row of cut-offs per reference date (users_rfm_cutoffs, users/rfm_cutoffs.sql) with the buyers per score cell
-- (users_rfm_cells); the view users_rfm_scores,
-- with the columns and rows of the table it replaces, scores every buyer from them (ecomops/users/rfm.py).
-- The stored scores go: the Customers page stores its date's totals and cut-offs again on its next view, and the
-- next update of the users tables stores those of the last order day.
DROP TABLE IF EXISTS users_rfm_scores;
-- users_rfm_totals: every buyer key's totals (the columns of users/rfm_buyers.sql) as of totals_as_of, or over the
-- whole history when it is NULL (valid as of every date on or after the last order day).
CREATE TABLE IF NOT EXISTS users_rfm_totals (
    totals_as_of        DATE,
    ckey                INTEGER NOT NULL,
    frequency           BIGINT NOT NULL,
    monetary            DOUBLE NOT NULL,
    first_order_date    DATE NOT NULL,
    last_order_date     DATE NOT NULL,
    discounted_orders   BIGINT,
    returned_orders     BIGINT,
    last_order_returned BOOLEAN,
    last_category_bits  UBIGINT
);
-- users_rfm_cutoffs: per reference date, the totals it scores (NULL: the whole history's) and the quintile
-- cut-offs: a score is 1 + how many of its four cut-offs the buyer is above (last order day after r_k, more orders
-- than f_k, more spend than m_k).
CREATE TABLE IF NOT EXISTS users_rfm_cutoffs (
    as_of        DATE NOT NULL,
    totals_as_of DATE,
    r1 DATE, r2 DATE, r3 DATE, r4 DATE,
    f1 BIGINT, f2 BIGINT, f3 BIGINT, f4 BIGINT,
    m1 DOUBLE, m2 DOUBLE, m3 DOUBLE, m4 DOUBLE
);
-- users_rfm_cells: per reference date, the buyers and their summed measures per (r_score, fm_score) cell and its
-- segment, grouped from users_rfm_scores when the date's cut-offs are stored (users/rfm_cells.sql): the Customers
-- page's segment table and grid read 25 rows instead of scoring every buyer (0.4 s at 10M customers).
CREATE TABLE IF NOT EXISTS users_rfm_cells (
    as_of         DATE NOT NULL,
    segment       VARCHAR NOT NULL,
    r_score       INTEGER NOT NULL,
    fm_score      INTEGER NOT NULL,
    customers     BIGINT NOT NULL,
    recency_sum   BIGINT NOT NULL,
    frequency_sum BIGINT NOT NULL,
    monetary      DOUBLE NOT NULL
);
-- users_rfm_scores: RFM scores and segment of every buyer key per stored reference date.
--   recency_days  days from the last valid order to as_of       fm_score  (f_score + m_score) / 2 rounded half up
-- Segment rules (first matching row of ecomops.users.rfm.RFM_RULES, a complete partition of the R x FM grid),
-- looked up in the 25 cells of the grid rather than computed per buyer (a string per row took most of a read):
--   Champions R5 FM4-5 | Loyal R3-4 FM4-5 | Potential loyalist R4-5 FM2-3 | New R4-5 FM1 | Needs attention R3 FM1-3
--   Can't lose R1-2 FM5 | At risk R1-2 FM3-4 | Hibernating R2 FM1-2 | Lost R1 FM1-2
CREATE OR REPLACE VIEW users_rfm_scores AS
WITH scored AS (
    SELECT c.as_of, t.ckey, CAST(date_diff('day', t.last_order_date, c.as_of) AS INTEGER) AS recency_days,
           t.frequency, t.monetary,
           CAST(1 + (t.last_order_date > c.r1)::INTEGER + (t.last_order_date > c.r2)::INTEGER
                  + (t.last_order_date > c.r3)::INTEGER + (t.last_order_date > c.r4)::INTEGER AS INTEGER) AS r_score,
           CAST(1 + (t.frequency > c.f1)::INTEGER + (t.frequency > c.f2)::INTEGER
                  + (t.frequency > c.f3)::INTEGER + (t.frequency > c.f4)::INTEGER AS INTEGER) AS f_score,
           CAST(1 + (t.monetary > c.m1)::INTEGER + (t.monetary > c.m2)::INTEGER
                  + (t.monetary > c.m3)::INTEGER + (t.monetary > c.m4)::INTEGER AS INTEGER) AS m_score,
           t.first_order_date, t.last_order_date, t.discounted_orders, t.returned_orders, t.last_order_returned,
           t.last_category_bits
    FROM users_rfm_cutoffs c JOIN users_rfm_totals t ON t.totals_as_of IS NOT DISTINCT FROM c.totals_as_of
),
graded AS (SELECT *, CAST((f_score + m_score + 1) // 2 AS INTEGER) AS fm_score FROM scored),
segments AS (
    SELECT CAST(r AS INTEGER) AS r_score, CAST(fm AS INTEGER) AS fm_score,
           CASE WHEN r = 5 AND fm >= 4 THEN 'Champions'
                WHEN r >= 3 AND fm >= 4 THEN 'Loyal'
                WHEN r >= 4 AND fm >= 2 THEN 'Potential loyalist'
                WHEN r >= 4 THEN 'New'
                WHEN r = 3 THEN 'Needs attention'
                WHEN fm = 5 THEN 'Can''t lose'
                WHEN fm >= 3 THEN 'At risk'
                WHEN r = 2 THEN 'Hibernating'
                ELSE 'Lost' END AS segment
    FROM (VALUES (1), (2), (3), (4), (5)) rs(r) CROSS JOIN (VALUES (1), (2), (3), (4), (5)) fms(fm)
)
SELECT g.as_of, g.ckey, g.recency_days, g.frequency, g.monetary, g.r_score, g.f_score, g.m_score, g.fm_score,
       s.segment, g.first_order_date, g.last_order_date, g.discounted_orders, g.returned_orders,
       g.last_order_returned, g.last_category_bits
FROM graded g JOIN segments s ON s.r_score = g.r_score AND s.fm_score = g.fm_score;
