-- UV, buyers and GMV per day x channel x device on the given days (root cause of a daily change).
-- Buyers and GMV follow METRICS.md (valid orders, quantity > 0 for GMV); UV from traffic_daily.
-- The segment_sales slot: buyers and GMV per day x channel x device (ecomops/ops/daily_counts.py: the stored counts, or
-- ops/segment_sales.sql from the lines when a category is chosen).
-- Params: $days (list of dates), $first, $last (their range, for pruning) and the filter params.
WITH sales AS (
    SELECT * FROM ({segment_sales}) s WHERE list_contains($days, s.day)
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
