-- The stored daily counts of one level (daily_order_counts, migration 950: 0 the store, 1 a channel, 2 a channel x
-- device cell) under the filters, in place of a scan of the orders: filled into the sales queries' order-count
-- slots by ecomops/ops/daily_counts.py when the filters allow it (no category; at level 0/1 at most one channel).
-- Placeholders: {order_where} (alias o, with order_date and channel); params: $counts_level and the filter params.
SELECT o.order_date AS day, o.channel, o.device, o.orders, o.buyers, o.gmv
FROM (SELECT day AS order_date, level, channel, device, orders, buyers, gmv FROM daily_order_counts) o
WHERE o.level = $counts_level AND {order_where}
