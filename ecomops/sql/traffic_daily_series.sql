-- Daily GMV, orders, buyers (METRICS.md) and summed daily UV over a span, for campaign lift. Same figures as
-- metrics.daily_trend, computed the cheap way: orders and buyers from `orders` alone, GMV from the derived
-- traffic_sales_rollup (ecomops/traffic_rollup.py). Days without data are filled in by the caller.
-- Format slots: {order_where}, {order_category}, {rollup_where}, {traffic_where}. Params: theirs.
WITH counts AS (
    SELECT o.order_date AS day, count(*) AS orders, count(DISTINCT o.customer_id) AS buyers
    FROM orders o
    WHERE o.status <> 'cancelled' AND {order_where} AND {order_category}
    GROUP BY ALL
),
gmv AS (
    SELECT r.day, sum(r.gmv) AS gmv FROM traffic_sales_rollup r WHERE {rollup_where} GROUP BY ALL
),
traffic AS (
    SELECT t.day, sum(t.uv) AS uv FROM traffic_daily t WHERE {traffic_where} GROUP BY ALL
)
SELECT coalesce(c.day, g.day, t.day) AS day, coalesce(g.gmv, 0) AS gmv, coalesce(c.orders, 0) AS orders,
       coalesce(c.buyers, 0) AS buyers, t.uv
FROM counts c
FULL JOIN gmv g ON g.day = c.day
FULL JOIN traffic t ON t.day = coalesce(c.day, g.day)
ORDER BY 1
