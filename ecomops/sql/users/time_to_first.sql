-- Distribution of days from signup to first valid order for signups from $start to $end (see users_conversion.sql).
WITH signups AS (
    {signups}
)
SELECT bucket_order, bucket, count(*) AS customers
FROM (
    SELECT CASE WHEN days_to_first IS NULL THEN 6 WHEN days_to_first = 0 THEN 0 WHEN days_to_first <= 7 THEN 1
                WHEN days_to_first <= 30 THEN 2 WHEN days_to_first <= 90 THEN 3 ELSE 4 END AS bucket_order,
           CASE WHEN days_to_first IS NULL THEN 'no order yet' WHEN days_to_first = 0 THEN 'same day'
                WHEN days_to_first <= 7 THEN '1–7 days' WHEN days_to_first <= 30 THEN '8–30 days'
                WHEN days_to_first <= 90 THEN '31–90 days' ELSE 'over 90 days' END AS bucket
    FROM signups
)
GROUP BY ALL
ORDER BY bucket_order
