-- Behaviour of customers by lifecycle state as of $as_of (state rules of users_lifecycle.sql), to compare lost
-- customers with those who stay: valid orders up to $as_of, discount reliance (orders with a discount), returns
-- (status 'returned'), whether the last order was returned (the last order on or before $as_of is the one whose
-- next order is later or absent), and negative reviews (rating <= $negative_rating_max, written on or before
-- $as_of; text-only reviews without a rating are not counted here).
-- Per customer, from the buyers' totals as of $as_of (<buyers>: users/rfm_buyers.sql, stored or grouped,
-- ecomops/users/rfm.py buyer_totals).
WITH per_customer AS (
    SELECT ckey, first_order_date AS first_day, last_order_date AS last_day, frequency AS orders, monetary AS gmv,
           discounted_orders, returned_orders, last_order_returned
    FROM ({buyers}) t
),
negative AS (
    SELECT DISTINCT ckey FROM users_review_facts
    WHERE rating <= $negative_rating_max AND created_date <= $as_of
)
SELECT CASE WHEN date_diff('day', p.first_day, $as_of) < $new_days THEN 'new'
            WHEN date_diff('day', p.last_day, $as_of) <= $active_days THEN 'active'
            WHEN date_diff('day', p.last_day, $as_of) <= $dormant_days THEN 'dormant'
            ELSE 'lost' END AS segment,
       count(*) AS customers,
       sum(p.orders) AS orders,
       sum(p.gmv) AS gmv,
       sum(p.discounted_orders) AS discounted_orders,
       sum(p.returned_orders) AS returned_orders,
       count(*) FILTER (WHERE p.last_order_returned) AS last_order_returned,
       count(n.ckey) AS with_negative_review
FROM per_customer p LEFT JOIN negative n ON n.ckey = p.ckey
GROUP BY ALL
