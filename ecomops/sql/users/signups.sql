-- Customers who signed up from $start to $end (registered, with a signup date) in the channels the filter
-- allows: signup day and channel, first valid order day, and days_to_first = days from signup to that order (0 when
-- the first order came before the signup; NULL without one). Shared by users_conversion.sql and
-- users_time_to_first.sql.
SELECT s.* FROM (
    SELECT k.signup_date, coalesce(k.signup_channel, 'unknown') AS channel, k.first_order_date,
           CASE WHEN k.first_order_date IS NOT NULL
                THEN greatest(date_diff('day', k.signup_date, k.first_order_date), 0) END AS days_to_first
    FROM users_customer_keys k
    WHERE k.registered AND k.signup_date BETWEEN $start AND $end
) s
WHERE {channel_where}
