-- Rebuild traffic_sales_rollup (migration 300) from the source tables; run inside one transaction.
DELETE FROM traffic_sales_rollup;
INSERT INTO traffic_sales_rollup (day, channel, category, campaign_id, is_presale, gmv)
SELECT l.order_date, l.channel, p.category, l.campaign_id, l.is_presale, sum(l.gmv)
FROM sale_lines l
LEFT JOIN products p ON p.product_id = l.product_id
GROUP BY ALL
ORDER BY 1;
