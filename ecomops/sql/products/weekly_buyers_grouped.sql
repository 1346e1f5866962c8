-- Buyers and repeat buyers per product in this week and the week before, grouped per buyer: products/weekly.sql's
-- {buyers} slot when channels are chosen (the purchase chain runs over every channel). A buyer repurchased when
-- their first and last order holding the product in the week differ. Reads weekly.sql's CTE lines.
    SELECT product_id,
           count(*) FILTER (WHERE this_week)                   AS buyers,
           count(*) FILTER (WHERE this_week AND repeated)      AS repeat_buyers,
           count(*) FILTER (WHERE NOT this_week)               AS buyers_prev,
           count(*) FILTER (WHERE NOT this_week AND repeated)  AS repeat_buyers_prev
    FROM (SELECT product_id, this_week, customer_id, min(order_id) <> max(order_id) AS repeated
          FROM lines
          WHERE is_sale AND customer_id IS NOT NULL
          GROUP BY product_id, this_week, customer_id) buyer_orders
    GROUP BY product_id
