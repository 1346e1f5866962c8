-- Rebuild daily_order_counts (migration 950) from the valid orders and their sale lines; run inside one transaction.
-- daily_repurchase is filled after it by ecomops/ops/daily_counts.py (store_repurchase).
DELETE FROM daily_order_counts;
INSERT INTO daily_order_counts (day, level, channel, device, orders, buyers, gmv)
SELECT o.order_date, CAST(2 - grouping(o.channel) - grouping(o.device) AS TINYINT), o.channel, o.device,
       count(*), count(DISTINCT o.customer_id), coalesce(sum(g.gmv), 0)
FROM valid_orders o
LEFT JOIN (SELECT order_id, sum(gmv) AS gmv FROM sale_lines GROUP BY order_id) g ON g.order_id = o.order_id
GROUP BY GROUPING SETS ((o.order_date), (o.order_date, o.channel), (o.order_date, o.channel, o.device))
ORDER BY 1;
