-- UV, buyers and GMV per day x channel x device on the given days (root cause of a daily change).
-- Buyers and GMV follow METRICS.md (valid orders, quantity > 0 for GMV); UV from traffic_daily.
-- Params: $days (list of dates), $first, $last (their range, for pruning) and the filter params.
WITH sales AS (
    SELECT o.order_date AS day, o.channel, o.device,
           count(DISTINCT o.customer_id) AS buyers,
           sum(o.gmv) AS gmv
    FROM order_lines o
    LEFT JOIN products p ON p.product_id = o.product_id
    WHERE o.order_is_valid AND o.order_date BETWEEN $first AND $last AND list_contains($days, o.order_date)
      AND {order_where} AND {category_where}
    GROUP BY ALL
),
traffic AS (
    SELECT t.day, t.channel, t.device, sum(t.uv) AS uv
    FROM traffic_daily t
    WHERE t.day BETWEEN $first AND $last AND list_contains($days, t.day) AND {traffic_where}
    GROUP BY ALL
)
SELECT coalesce(s.day, t.day) AS day, coalesce(s.channel, t.channel) AS channel, coalesce(s.device, t.device) AS device,
       coalesce(t.uv, 0) AS uv, coalesce(s.buyers, 0) AS buyers, coalesce(s.gmv, 0) AS gmv
FROM sales s
FULL OUTER JOIN traffic t ON t.day = s.day AND t.channel = s.channel AND t.device = s.device
