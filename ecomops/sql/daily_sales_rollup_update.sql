-- Update daily_sales_rollup for the days an import or undo touched ($days, in $first..$last; ecomops/
-- incremental.py, in the build's transaction): those days are recomputed as daily_sales_rollup_build.sql does.
-- The days come as constants so the filter reaches the orders scan (an IN over a subquery was applied after the
-- join of every line: slower than the full rebuild).
DELETE FROM daily_sales_rollup WHERE day BETWEEN $first AND $last AND list_contains($days, day);
INSERT INTO daily_sales_rollup (day, channel, category, campaign_id, is_presale, gmv)
SELECT l.order_date, l.channel, p.category, l.campaign_id, l.is_presale, sum(l.gmv)
FROM sale_lines l
LEFT JOIN products p ON p.product_id = l.product_id
WHERE l.order_date BETWEEN $first AND $last AND list_contains($days, l.order_date)
GROUP BY ALL
ORDER BY 1;
