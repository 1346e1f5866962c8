-- Rebuild traffic_sales_rollup (migration 300) from the source tables; run inside one transaction.
DELETE FROM traffic_sales_rollup;
INSERT INTO traffic_sales_rollup (day, channel, category, campaign_id, is_presale, gmv)
SELECT o.order_date, o.channel, p.category, o.campaign_id, o.is_presale, sum(i.quantity * i.unit_price)
FROM orders o
JOIN order_items i ON i.order_id = o.order_id
LEFT JOIN products p ON p.product_id = i.product_id
WHERE o.status <> 'cancelled' AND i.quantity > 0
GROUP BY ALL
ORDER BY 1;
