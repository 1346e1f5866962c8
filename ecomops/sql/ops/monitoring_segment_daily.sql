-- Buyers and UV per day x channel x device over the filter's range: the segment conversion check of the alert rules.
-- Buyers follow METRICS.md (distinct customers of valid orders, as in daily_sales.sql); UV from traffic_daily.
-- Placeholders: the segment_buyers slot (buyers per day x channel x device, ecomops/ops/daily_counts.py: the stored counts
-- or ops/segment_buyers.sql), {traffic_where} (t); params: the filter's.
WITH buyers AS (
    {segment_buyers}
),
traffic AS (
    SELECT t.day, t.channel, t.device, sum(t.uv) AS uv
    FROM traffic_daily t
    WHERE {traffic_where}
    GROUP BY ALL
)
SELECT coalesce(b.day, t.day) AS day, coalesce(b.channel, t.channel) AS channel,
       coalesce(b.device, t.device) AS device, coalesce(t.uv, 0) AS uv, coalesce(b.buyers, 0) AS buyers
FROM buyers b
FULL OUTER JOIN traffic t ON t.day = b.day AND t.channel = b.channel AND t.device = b.device
ORDER BY 1, 2, 3
