-- Buyers and repeat buyers per product in this week and the week before, without grouping the lines per buyer:
-- products/weekly.sql's {buyers} slot when no channel is chosen. A buyer's orders of a product within a week are a
-- run of their purchase chain (buy_prev_date / buy_next_date of products_line_facts), so each buyer is counted once,
-- at the first order of the week (the previous purchase is before the week, or none), and repeated when the next
-- purchase is within the week. Same answer as weekly_buyers_grouped. Reads weekly.sql's CTE lines.
    SELECT product_id,
           count(*) FILTER (WHERE this_week AND (buy_prev_date IS NULL OR buy_prev_date < $week_start))  AS buyers,
           count(*) FILTER (WHERE this_week AND (buy_prev_date IS NULL OR buy_prev_date < $week_start)
                              AND buy_next_date <= $end)                                               AS repeat_buyers,
           count(*) FILTER (WHERE NOT this_week AND (buy_prev_date IS NULL OR buy_prev_date < $prev_start)) AS buyers_prev,
           count(*) FILTER (WHERE NOT this_week AND (buy_prev_date IS NULL OR buy_prev_date < $prev_start)
                              AND buy_next_date < $week_start)                                         AS repeat_buyers_prev
    FROM lines
    WHERE first_product_line AND is_sale AND customer_id IS NOT NULL
    GROUP BY product_id
