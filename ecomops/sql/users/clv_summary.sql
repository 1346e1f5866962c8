-- BG/NBD and Gamma-Gamma inputs per buyer key as of $as_of (ecomops/users/value.py, docs/clv.md), over the valid
-- orders of users_order_facts (guest orders never count). A purchase is a customer's day with valid orders: orders of
-- one customer on one day are one purchase, their GMV summed.
--   x          repeat purchases (purchase days after the first)
--   t_x        days from the first purchase day to the last (0 without a repeat)
--   T          days from the first purchase day to $as_of
--   mean_spend mean GMV of the repeat purchase days (the first excluded, as in Fader, Hardie & Lee); NULL when x = 0
WITH purchases AS (
    SELECT ckey, order_date AS day, sum(gmv) AS gmv
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date <= $as_of
    GROUP BY ckey, order_date
)
SELECT ckey,
       CAST(count(*) - 1 AS INTEGER)                           AS x,
       CAST(date_diff('day', min(day), max(day)) AS INTEGER)   AS t_x,
       CAST(date_diff('day', min(day), $as_of) AS INTEGER)     AS T,
       CASE WHEN count(*) > 1 THEN (sum(gmv) - arg_min(gmv, day)) / (count(*) - 1) END AS mean_spend,
       avg(gmv)                                                AS mean_purchase_gmv,
       min(day)                                                AS first_day
FROM purchases
GROUP BY ckey
ORDER BY ckey
