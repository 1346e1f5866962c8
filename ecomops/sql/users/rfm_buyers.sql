-- Every buyer key's valid orders up to $as_of (users_order_facts; guest orders have no key): how many, their GMV,
-- the first and the last day. The RFM scores (users/rfm.sql) are computed from these totals.
-- Monetary is rounded to 6 decimals: DuckDB adds doubles in thread order, and last-bit differences would break ties
-- between equal spenders differently from run to run (equal values share a score).
SELECT ckey, count(*) AS frequency, round(sum(gmv), 6) AS monetary, min(order_date) AS first_order_date,
       max(order_date) AS last_order_date
FROM users_order_facts
WHERE ckey IS NOT NULL AND order_date <= $as_of
GROUP BY ckey
