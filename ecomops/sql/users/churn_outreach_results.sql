-- Reactivation of each outreach (sent_date) by arm: a customer reactivated when they placed a valid order in
-- (sent_date, sent_date + $window_days]. Params: $window_days, $data_end.
WITH outreach AS (
    SELECT r.customer_id, r.sent_date, r.arm, r.offer,
           EXISTS (
               SELECT 1 FROM valid_orders o
               WHERE o.customer_id = r.customer_id
                 AND o.order_date > r.sent_date AND o.order_date <= r.sent_date + $window_days
           ) AS reactivated
    FROM reactivation_outreach r
)
SELECT sent_date, arm, count(*) AS customers, count(*) FILTER (WHERE reactivated) AS reactivated,
       least($window_days, date_diff('day', sent_date, $data_end)) AS days_observed, max(offer) AS offer
FROM outreach
GROUP BY sent_date, arm
ORDER BY sent_date, arm
