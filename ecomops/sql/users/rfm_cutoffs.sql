-- The RFM quintile cut-offs as of $as_of over the buyers' totals filled in below (users/rfm_buyers; the columns of
-- users_rfm_totals): one row, stored in users_rfm_cutoffs (ecomops/users/rfm.py), from which the view
-- users_rfm_scores (migration 970) scores every buyer when read.
--   recency_days  days from the last valid order to $as_of     frequency  valid orders
--   monetary      GMV of the customer's valid orders (lines with quantity > 0)
-- Scores 1-5 are quintiles with ties kept together: score = 1 + floor(5 * w / n), where w = number of buyers
-- strictly worse on that measure (larger recency, fewer orders, lower spend) and n = number of buyers. The best
-- fifth get 5. Computed without sorting the buyers (three rank() windows over every buyer took about as long again
-- as the rest at 1M buyers): with v = the measure, larger = better (recency negated), and c_k = the m_k-th smallest
-- v, m_k = ceil(k n / 5): 5 w >= k n <=> w >= m_k <=> c_k < v, so the score is 1 + the number of the cut-offs
-- c_1..c_4 below v. A cut-off is found by counting buyers per whole-number bucket of v (a hash aggregation); only
-- a bucket holding a cut-off and several values is sorted (for spend, some tens of buyers at 1M).
-- Recency's cut-offs are stored as days: -recency_days > c_k <=> last_order_date > $as_of + c_k (r1..r4), so the
-- stored totals need no recency. All NULL when there is no buyer.
WITH base AS (
    SELECT *, date_diff('day', last_order_date, $as_of) AS recency_days FROM ({buyers}) b
),
-- Buyers per measure and whole-number bucket of the measure, larger = better (recency negated); days and orders are
-- whole numbers, so only a spend bucket holds several values.
buckets AS (
    SELECT 'r' AS measure, -recency_days AS bucket, count(*) AS c, -recency_days AS lo, -recency_days AS hi
    FROM base GROUP BY recency_days
    UNION ALL
    SELECT 'f' AS measure, frequency AS bucket, count(*) AS c, frequency AS lo, frequency AS hi
    FROM base GROUP BY frequency
    UNION ALL
    SELECT 'm' AS measure, floor(monetary) AS bucket, count(*) AS c, min(monetary) AS lo, max(monetary) AS hi
    FROM base GROUP BY floor(monetary)
),
cuts AS (
    SELECT q.k, CAST(floor((q.k * t.n + 4) / 5) AS BIGINT) AS m
    FROM (SELECT count(*) AS n FROM base) t CROSS JOIN (VALUES (1), (2), (3), (4)) q(k)
),
placed AS (SELECT *, sum(c) OVER (PARTITION BY measure ORDER BY bucket) - c AS below FROM buckets),
-- The bucket holding each cut-off, and the cut-off's position in it.
targets AS (
    SELECT p.measure, c.k, c.m - p.below AS pos, p.bucket, p.lo, p.hi
    FROM placed p JOIN cuts c ON c.m > p.below AND c.m <= p.below + p.c
),
-- In a bucket of several values (spend only), the cut-off is its pos-th smallest: those few buyers are sorted.
sorted AS (
    SELECT t.measure, t.k, t.pos, b.monetary AS v, row_number() OVER (PARTITION BY t.k ORDER BY b.monetary) AS i
    FROM targets t JOIN base b ON floor(b.monetary) = t.bucket
    WHERE t.measure = 'm' AND t.lo < t.hi
),
cutoffs AS (
    SELECT measure, k, lo AS cutoff FROM targets WHERE lo = hi
    UNION ALL SELECT measure, k, v AS cutoff FROM sorted WHERE i = pos
),
-- One row: the four cut-offs of each measure.
c AS (
    SELECT max(CASE WHEN measure = 'r' AND k = 1 THEN cutoff END) AS r1,
           max(CASE WHEN measure = 'r' AND k = 2 THEN cutoff END) AS r2,
           max(CASE WHEN measure = 'r' AND k = 3 THEN cutoff END) AS r3,
           max(CASE WHEN measure = 'r' AND k = 4 THEN cutoff END) AS r4,
           max(CASE WHEN measure = 'f' AND k = 1 THEN cutoff END) AS f1,
           max(CASE WHEN measure = 'f' AND k = 2 THEN cutoff END) AS f2,
           max(CASE WHEN measure = 'f' AND k = 3 THEN cutoff END) AS f3,
           max(CASE WHEN measure = 'f' AND k = 4 THEN cutoff END) AS f4,
           max(CASE WHEN measure = 'm' AND k = 1 THEN cutoff END) AS m1,
           max(CASE WHEN measure = 'm' AND k = 2 THEN cutoff END) AS m2,
           max(CASE WHEN measure = 'm' AND k = 3 THEN cutoff END) AS m3,
           max(CASE WHEN measure = 'm' AND k = 4 THEN cutoff END) AS m4
    FROM cutoffs
)
SELECT CAST($as_of AS DATE) + CAST(r1 AS INTEGER) AS r1, CAST($as_of AS DATE) + CAST(r2 AS INTEGER) AS r2,
       CAST($as_of AS DATE) + CAST(r3 AS INTEGER) AS r3, CAST($as_of AS DATE) + CAST(r4 AS INTEGER) AS r4,
       CAST(f1 AS BIGINT) AS f1, CAST(f2 AS BIGINT) AS f2, CAST(f3 AS BIGINT) AS f3, CAST(f4 AS BIGINT) AS f4,
       m1, m2, m3, m4
FROM c
