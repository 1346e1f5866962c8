-- Funnel stage counts from session-level traffic, overall and by channel, device and visitor type (one scan).
-- A session "viewed a product" when product_pages > 0; add-to-cart is known only where added_to_cart is not NULL
-- (cart_known counts those sessions). Sessions without a day (month-only data such as UCI Online Shoppers) are kept
-- whatever the date range. Format slot: {session_where}.
WITH s AS (
    SELECT coalesce(s.channel, 'unknown') AS channel, coalesce(s.device, 'unknown') AS device,
           coalesce(s.visitor_type, 'unknown') AS visitor_type, s.product_pages, s.added_to_cart, s.purchased
    FROM traffic_sessions s
    WHERE {session_where}
)
SELECT CASE WHEN grouping(channel) = 0 THEN 'channel' WHEN grouping(device) = 0 THEN 'device'
            WHEN grouping(visitor_type) = 0 THEN 'visitor_type' ELSE 'all' END AS dimension,
       coalesce(channel, device, visitor_type, 'all') AS key,
       count(*) AS visits,
       count(*) FILTER (WHERE product_pages > 0) AS product_views,
       count(product_pages) AS product_known,
       count(*) FILTER (WHERE added_to_cart) AS add_to_cart,
       count(added_to_cart) AS cart_known,
       count(*) FILTER (WHERE purchased) AS purchases
FROM s
GROUP BY GROUPING SETS ((channel), (device), (visitor_type), ())
HAVING count(*) > 0  -- no sessions: no rows (the grand total's empty grouping set gives one row on DuckDB, none on Spark)
ORDER BY dimension, visits DESC
