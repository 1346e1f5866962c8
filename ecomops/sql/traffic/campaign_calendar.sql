-- The campaigns whose window (pre-sale included) overlaps $start..$end, in start order.
SELECT campaign_id, name, kind, presale_start, start_date, end_date,
       datediff('day', start_date, end_date) + 1 AS days
FROM campaigns
WHERE coalesce(presale_start, start_date) <= $end AND end_date >= $start
ORDER BY start_date, campaign_id
