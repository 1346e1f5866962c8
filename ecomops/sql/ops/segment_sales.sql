-- Buyers and GMV per day x channel x device on the given days, from the lines of the chosen categories:
-- monitoring_segments.sql's segment_sales slot when a category is chosen (else the stored counts answer,
-- ecomops/ops/daily_counts.py). Params: $days, $first, $last and the filter params.
SELECT o.order_date AS day, o.channel, o.device,
       count(DISTINCT o.customer_id) AS buyers,
       sum(o.gmv) AS gmv
FROM order_lines o
LEFT JOIN products p ON p.product_id = o.product_id
WHERE o.order_is_valid AND o.order_date BETWEEN $first AND $last AND list_contains($days, o.order_date)
  AND {order_where} AND {category_where}
GROUP BY ALL
