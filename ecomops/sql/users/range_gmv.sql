-- GMV per customer key in the filtered range, from the derived valid orders (no category filter).
SELECT o.ckey, sum(o.gmv) AS gmv FROM users_order_facts o WHERE {order_where} GROUP BY o.ckey
