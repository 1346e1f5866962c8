-- Reactivation of each outreach (sent_date) by arm, the one definition of reactivation (targeting.outreach_arms):
-- a customer reactivated when they placed a valid order in (sent_date, sent_date + $window_days], counting orders up
-- to $data_end only (a review of a past week does not see later orders). The outcome always comes from the orders:
-- the imported `converted` column of reactivation_outreach is not read.
-- Params: $window_days, $data_end, $sent_from, $sent_to (the outreach sent in that range), $period_start
-- (reactivated_in_period counts first returns on or after it, up to $data_end).
WITH outreach AS (
    SELECT r.customer_id, r.sent_date, r.arm, r.offer,
           (SELECT min(o.order_date) FROM valid_orders o
            WHERE o.customer_id = r.customer_id
              AND o.order_date > r.sent_date AND o.order_date <= r.sent_date + $window_days
              AND o.order_date <= $data_end) AS first_return
    FROM reactivation_outreach r
    WHERE r.sent_date BETWEEN $sent_from AND $sent_to AND r.arm IN ('treatment', 'control')
)
SELECT sent_date, arm, count(*) AS customers, count(first_return) AS reactivated,
       count(*) FILTER (WHERE first_return >= $period_start) AS reactivated_in_period,
       greatest(0, least($window_days, date_diff('day', sent_date, $data_end))) AS days_observed, max(offer) AS offer
FROM outreach
GROUP BY sent_date, arm
ORDER BY sent_date, arm
