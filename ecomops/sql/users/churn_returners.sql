-- Customers who placed a valid order in ($cutoff, $label_end]: everyone else with history "churns" (METRICS.md).
SELECT DISTINCT o.customer_id
FROM valid_orders o
WHERE o.customer_id IS NOT NULL
  AND o.order_date > $cutoff AND o.order_date <= $label_end
