-- Rebuild daily_sales_rollup (migration 300, renamed by 872) from the sale lines; run inside one transaction.
DELETE FROM daily_sales_rollup;
INSERT INTO daily_sales_rollup (day, channel, category, campaign_id, is_presale, gmv)
SELECT l.order_date, l.channel, p.category, l.campaign_id, l.is_presale, sum(l.gmv)
FROM sale_lines l
LEFT JOIN products p ON p.product_id = l.product_id
GROUP BY ALL
ORDER BY 1;
