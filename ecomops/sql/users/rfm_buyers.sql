-- Every buyer key's valid orders up to $as_of (users_order_facts; guest orders have no key): how many, their GMV,
-- the first and the last day, and what the Lost customers page compares: orders with a discount, returned orders,
-- whether the last order was returned and the categories of the last order (the last order on or before $as_of is
-- the one whose next order is later or absent). The RFM scores (users/rfm.sql) are computed from these totals and
-- stored with them (users_rfm_scores), so the lifecycle queries read them back (ecomops/users/rfm.py buyer_totals).
-- Monetary is rounded to 6 decimals: DuckDB adds doubles in thread order, and last-bit differences would break ties
-- between equal spenders differently from run to run (equal values share a score).
-- {orders}: users_order_facts, or the orders of some buyer keys only (ecomops/users/rfm.py buyers_sql): a filter on
-- the grouped totals is not pushed below the grouping, so after an import every buyer's totals were grouped to keep
-- the touched ones' (5.4 s and 2.7 GB at 10M customers; 0.5 s and 0.8 GB with the keys' orders picked first).
SELECT ckey, count(*) AS frequency, round(sum(gmv), 6) AS monetary, min(order_date) AS first_order_date,
       max(order_date) AS last_order_date,
       count(*) FILTER (WHERE discount > 0) AS discounted_orders,
       count(*) FILTER (WHERE status = 'returned') AS returned_orders,
       count(*) FILTER (WHERE status = 'returned'
                        AND (next_order_date IS NULL OR next_order_date > $as_of)) > 0 AS last_order_returned,
       -- one order qualifies (the last): max() takes its bits (Spark's bit_or refuses the exported type)
       max(category_bits) FILTER (WHERE next_order_date IS NULL OR next_order_date > $as_of) AS last_category_bits
FROM {orders}
WHERE ckey IS NOT NULL AND order_date <= $as_of
GROUP BY ckey
