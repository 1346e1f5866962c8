-- GMV per customer key in the filtered range, restricted to the chosen categories (joins the order lines).
SELECT o.ckey, sum(i.gmv) AS gmv
FROM users_order_facts o
JOIN sale_lines i ON i.order_id = o.order_id
JOIN products p ON p.product_id = i.product_id
WHERE {order_where} AND {category_where}
GROUP BY o.ckey
