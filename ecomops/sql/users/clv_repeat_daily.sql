-- Repeat purchases per day up to $as_of (days with valid orders after each customer's first purchase day) and their
-- GMV: the actual line of the tracking plot (ecomops/users/value.py).
WITH purchases AS (
    SELECT ckey, order_date AS day, sum(gmv) AS gmv
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date <= $as_of
    GROUP BY ckey, order_date
),
marked AS (
    SELECT day, gmv, day > min(day) OVER (PARTITION BY ckey) AS is_repeat FROM purchases
)
SELECT day, count(*) AS orders, sum(gmv) AS revenue FROM marked WHERE is_repeat GROUP BY day ORDER BY day
