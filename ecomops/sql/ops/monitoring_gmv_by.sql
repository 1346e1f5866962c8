-- GMV per day x {dimension} (a whitelisted expression: category or campaign) on the given days, from the derived
-- daily rollup (ecomops/derived.py: GMV of valid orders' lines with quantity > 0 per day x channel x category x
-- campaign). Params: $days, $first, $last and the filter params.
SELECT r.day, {dimension} AS segment, sum(r.gmv) AS gmv
FROM daily_sales_rollup r
LEFT JOIN campaigns c ON c.campaign_id = r.campaign_id
WHERE r.day BETWEEN $first AND $last AND list_contains($days, r.day) AND {rollup_where}
GROUP BY ALL
