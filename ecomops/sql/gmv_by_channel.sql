-- GMV per channel (from the derived daily rollup), largest first. Placeholder: rollup_where (r).
SELECT r.channel, sum(r.gmv) AS gmv
FROM daily_sales_rollup r
WHERE {rollup_where}
GROUP BY r.channel
-- GMV rounded to 1e-6 for the order: a sum's last bits depend on the order an engine adds in (Spark, DuckDB), and
-- equal GMVs must then rank by the tie-breaker on every engine.
ORDER BY round(sum(r.gmv), 6) DESC, r.channel
