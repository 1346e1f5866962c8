-- GMV per channel (from the derived daily rollup), largest first. Placeholder: rollup_where (r).
SELECT r.channel, sum(r.gmv) AS gmv
FROM daily_sales_rollup r
WHERE {rollup_where}
GROUP BY r.channel
ORDER BY gmv DESC
