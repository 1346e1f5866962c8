-- Funnel stage counts from daily traffic (summed daily UV, product views, add-to-cart, checkouts) and buyers from
-- valid orders (distinct customers over the whole range, METRICS.md), overall and by channel and by device, from one
-- scan of each table (GROUPING SETS). Format slots: {traffic_where}, {order_where}, {order_category}.
WITH visits AS (
    SELECT CASE WHEN grouping(t.channel) = 0 THEN 'channel' WHEN grouping(t.device) = 0 THEN 'device' ELSE 'all' END
               AS dimension,
           coalesce(t.channel, t.device, 'all') AS key,
           sum(t.uv) AS visits, sum(t.product_views) AS product_views, sum(t.add_to_cart) AS add_to_cart,
           sum(t.checkouts) AS checkouts
    FROM traffic_daily t
    WHERE {traffic_where}
    GROUP BY GROUPING SETS ((t.channel), (t.device), ())
),
buyers AS (
    SELECT CASE WHEN grouping(o.channel) = 0 THEN 'channel' WHEN grouping(o.device) = 0 THEN 'device' ELSE 'all' END
               AS dimension,
           coalesce(o.channel, o.device, 'all') AS key,
           count(DISTINCT o.customer_id) AS purchases
    FROM valid_orders o
    WHERE {order_where} AND {order_category}
    GROUP BY GROUPING SETS ((o.channel), (o.device), ())
)
SELECT v.dimension, v.key, v.visits, v.product_views, v.add_to_cart, v.checkouts, coalesce(b.purchases, 0) AS purchases
FROM visits v LEFT JOIN buyers b ON b.dimension = v.dimension AND b.key = v.key
ORDER BY v.dimension, v.visits DESC
