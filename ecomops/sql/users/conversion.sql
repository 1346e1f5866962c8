-- Signup to first valid order for customers who signed up from $start to $end (registered, with a signup date),
-- by <group_expr> (signup channel or signup month; a NULL group is the total row).
-- days_to_first = days from signup to the first valid order (0 when the first order came before the signup).
-- "Within N days" is measured only over signups whose N-day window has fully passed by $data_end (the last order
-- day in the data): eligible_N is that denominator.
WITH signups AS (
    {signups}
)
SELECT {group_expr} AS grp, grouping({group_expr}) AS is_total,
       count(*) AS signups,
       count(first_order_date) AS ordered,
       count(*) FILTER (WHERE signup_date + 7 <= $data_end) AS eligible_7,
       count(*) FILTER (WHERE signup_date + 7 <= $data_end AND days_to_first <= 7) AS converted_7,
       count(*) FILTER (WHERE signup_date + 30 <= $data_end) AS eligible_30,
       count(*) FILTER (WHERE signup_date + 30 <= $data_end AND days_to_first <= 30) AS converted_30,
       median(days_to_first) AS median_days_to_first,
       avg(days_to_first) AS avg_days_to_first
FROM signups s
GROUP BY GROUPING SETS (({group_expr}), ())
ORDER BY is_total, grp
