-- Survey answers (customer_surveys, answered on or before $as_of) by reason and by the answering customer's state
-- as of $as_of: lost (last valid order more than $dormant_days days before) or dormant (more than $active_days);
-- customers unknown to the order history count only in responses. Only respondents' orders are read.
WITH answers AS (
    SELECT s.reason, k.ckey
    FROM customer_surveys s LEFT JOIN users_customer_keys k ON k.customer_id = s.customer_id
    WHERE s.response_date <= $as_of
),
last_orders AS (
    SELECT o.ckey, max(o.order_date) AS last_day
    FROM users_order_facts o
    WHERE o.ckey IN (SELECT ckey FROM answers WHERE ckey IS NOT NULL) AND o.order_date <= $as_of
    GROUP BY o.ckey
)
SELECT a.reason,
       count(*) FILTER (WHERE date_diff('day', l.last_day, $as_of) > $dormant_days) AS lost,
       count(*) FILTER (WHERE date_diff('day', l.last_day, $as_of) > $active_days
                          AND date_diff('day', l.last_day, $as_of) <= $dormant_days) AS dormant,
       count(*) AS responses
FROM answers a LEFT JOIN last_orders l ON l.ckey = a.ckey
GROUP BY a.reason
ORDER BY lost DESC, responses DESC, a.reason
