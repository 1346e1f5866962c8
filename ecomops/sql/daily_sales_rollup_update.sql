-- Update daily_sales_rollup for the days an import or undo touched (temp table derived_touched; ecomops/
-- incremental.py, in the build's transaction): those days are recomputed as daily_sales_rollup_build.sql does.
DELETE FROM daily_sales_rollup WHERE day IN (SELECT order_date FROM derived_touched);
INSERT INTO daily_sales_rollup (day, channel, category, campaign_id, is_presale, gmv)
SELECT l.order_date, l.channel, p.category, l.campaign_id, l.is_presale, sum(l.gmv)
FROM sale_lines l
LEFT JOIN products p ON p.product_id = l.product_id
WHERE l.order_date IN (SELECT order_date FROM derived_touched)
GROUP BY ALL
ORDER BY 1;
