-- Buyers and repeat buyers per product in $start..$end, grouped per buyer: products/repurchase.sql's
-- {product_buyers} slot when channels are chosen (the purchase chain runs over every channel). A buyer repurchased
-- when their first and last order holding the product in the window differ. Reads repurchase.sql's CTE lines.
    SELECT product_id, max(category) AS category, count(*) AS buyers,
           count(*) FILTER (WHERE repeated) AS repeat_buyers
    FROM (SELECT product_id, max(category) AS category, customer_key, min(order_no) <> max(order_no) AS repeated
          FROM lines
          GROUP BY product_id, customer_key) product_buyers
    GROUP BY product_id
