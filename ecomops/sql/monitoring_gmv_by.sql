-- GMV per day x {dimension} (a whitelisted expression: category or campaign) on the given days.
-- Params: $days, $first, $last and the filter params.
SELECT o.order_date AS day, {dimension} AS segment,
       sum(i.quantity * i.unit_price) AS gmv
FROM orders o
JOIN order_items i ON i.order_id = o.order_id
LEFT JOIN products p ON p.product_id = i.product_id
LEFT JOIN campaigns c ON c.campaign_id = o.campaign_id
WHERE o.status <> 'cancelled' AND i.quantity > 0
  AND o.order_date BETWEEN $first AND $last AND list_contains($days, o.order_date)
  AND {order_where} AND {category_where}
GROUP BY ALL
