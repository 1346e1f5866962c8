-- Behaviour of customers by lifecycle state as of $as_of (<lifecycle>: users_lifecycle.sql), to compare lost
-- customers with those who stay: valid orders up to $as_of, discount reliance (orders with a discount), returns
-- (status 'returned'), whether the last order was returned, and negative reviews (rating <= $negative_rating_max,
-- written on or before $as_of; text-only reviews without a rating are not counted here).
WITH lc AS ({lifecycle}),
per_customer AS (
    SELECT o.ckey, count(*) AS orders, sum(o.gmv) AS gmv,
           count(*) FILTER (WHERE o.discount > 0) AS discounted_orders,
           count(*) FILTER (WHERE o.status = 'returned') AS returned_orders,
           arg_max(o.status = 'returned', o.order_ts) AS last_order_returned
    FROM users_order_facts o
    WHERE o.ckey IS NOT NULL AND o.order_date <= $as_of
    GROUP BY o.ckey
),
negative AS (
    SELECT k.ckey, count(*) AS negative_reviews
    FROM reviews r JOIN users_customer_keys k ON k.customer_id = r.customer_id
    WHERE r.rating <= $negative_rating_max AND CAST(r.created_ts AS DATE) <= $as_of
    GROUP BY k.ckey
)
SELECT lc.segment,
       count(*) AS customers,
       sum(p.orders) AS orders,
       sum(p.gmv) AS gmv,
       sum(p.discounted_orders) AS discounted_orders,
       sum(p.returned_orders) AS returned_orders,
       count(*) FILTER (WHERE p.last_order_returned) AS last_order_returned,
       count(n.ckey) AS with_negative_review
FROM lc JOIN per_customer p ON p.ckey = lc.ckey LEFT JOIN negative n ON n.ckey = lc.ckey
GROUP BY lc.segment
