-- Update daily_order_counts for the days an import or undo touched ($days, in $first..$last; ecomops/
-- incremental.py, in the build's transaction): a day's rows depend only on that day's orders, so those days are
-- recomputed as daily_counts_build.sql does (the days as constants, so the filter reaches the orders scan).
DELETE FROM daily_order_counts WHERE day BETWEEN $first AND $last AND list_contains($days, day);
INSERT INTO daily_order_counts (day, level, channel, device, orders, buyers, gmv)
SELECT o.order_date, CAST(2 - grouping(o.channel) - grouping(o.device) AS TINYINT), o.channel, o.device,
       count(*), count(DISTINCT o.customer_id), coalesce(sum(g.gmv), 0)
FROM valid_orders o
LEFT JOIN (SELECT order_id, sum(gmv) AS gmv FROM sale_lines
           WHERE order_date BETWEEN $first AND $last AND list_contains($days, order_date)
           GROUP BY order_id) g ON g.order_id = o.order_id
WHERE o.order_date BETWEEN $first AND $last AND list_contains($days, o.order_date)
GROUP BY GROUPING SETS ((o.order_date), (o.order_date, o.channel), (o.order_date, o.channel, o.device))
ORDER BY 1;
