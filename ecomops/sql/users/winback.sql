-- Win-back over the range $start..$end: customers lost (or dormant) as of the day before $start who placed a valid
-- order in the range. Same state rules as users_lifecycle.sql, evaluated at $before = $start - 1 day.
WITH buyers AS (
    SELECT ckey,
           max(order_date) FILTER (WHERE order_date <= $before) AS last_before,
           bool_or(order_date BETWEEN $start AND $end) AS ordered_in_range
    FROM users_order_facts
    WHERE ckey IS NOT NULL AND order_date <= $end
    GROUP BY ckey
),
states AS (
    SELECT CASE WHEN date_diff('day', last_before, $before) > $dormant_days THEN 'lost'
                WHEN date_diff('day', last_before, $before) > $active_days THEN 'dormant' END AS segment,
           ordered_in_range
    FROM buyers
    WHERE last_before IS NOT NULL
)
SELECT segment, count(*) AS customers, count(*) FILTER (WHERE ordered_in_range) AS came_back
FROM states
WHERE segment IS NOT NULL
GROUP BY segment
