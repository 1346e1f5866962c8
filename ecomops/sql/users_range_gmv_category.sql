-- GMV per customer key in the filtered range, restricted to the chosen categories (joins the order lines).
SELECT o.ckey, sum(i.quantity * i.unit_price) AS gmv
FROM users_order_facts o
JOIN order_items i ON i.order_id = o.order_id
JOIN products p ON p.product_id = i.product_id
WHERE i.quantity > 0 AND {order_where} AND {category_where}
GROUP BY o.ckey
