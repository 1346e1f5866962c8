-- Purchases (days with valid orders) and their GMV per buyer key in the holdout ($cutoff, $end], for the customers
-- with a purchase on or before $cutoff (the out-of-time backtest of ecomops/users/value.py).
WITH purchases AS (
    SELECT ckey, order_date AS day, sum(gmv) AS gmv
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date > $cutoff AND order_date <= $end
      AND ckey IN (SELECT ckey FROM users_order_facts WHERE ckey IS NOT NULL AND order_date <= $cutoff)
    GROUP BY ckey, order_date
)
SELECT ckey, count(*) AS purchases, sum(gmv) AS gmv,
       count(*) FILTER (WHERE day <= $cutoff + 28) AS purchases_28,
       count(*) FILTER (WHERE day <= $cutoff + 91) AS purchases_91,
       count(*) FILTER (WHERE day <= $cutoff + 364) AS purchases_364,
       sum(gmv) FILTER (WHERE day <= $cutoff + 28) AS gmv_28,
       sum(gmv) FILTER (WHERE day <= $cutoff + 91) AS gmv_91,
       sum(gmv) FILTER (WHERE day <= $cutoff + 364) AS gmv_364
FROM purchases
GROUP BY ckey
