-- Buyers and repeat buyers per product in $start..$end without grouping the lines per buyer: products/repurchase.sql's
-- {product_buyers} slot when no channel is chosen. A buyer's orders of a product within the window are a run of
-- their purchase chain (buy_prev_date / buy_next_date of products_line_facts), so each buyer is counted once, at
-- the first order of the window (the previous purchase is before $start, or none), and repeated when the next
-- purchase is by $end. Same answer as repurchase_buyers_grouped: a 90-day window of a 10M-customer store held 21M
-- lines in 17M (product, buyer) pairs, whose grouping took 3.3 s. Reads repurchase.sql's CTE lines.
    SELECT max(product_id) AS product_id, max(category) AS category,
           count(*) AS buyers, count(*) FILTER (WHERE buy_next_date <= $end) AS repeat_buyers
    FROM lines
    WHERE first_product_line AND (buy_prev_date IS NULL OR buy_prev_date < $start)
    GROUP BY product_key
