-- Update products_line_facts after an import or undo (ecomops/incremental.py, in the build's transaction): every
-- line of the orders on or after the earliest touched day ($from_day) is rewritten; the
-- lines before it keep their order numbers, which count orders in (order_date, order_id) order. The statements
-- mirror line_facts_build.sql (the oracle test compares the two).
DELETE FROM products_line_facts WHERE order_date >= $from_day;

INSERT INTO products_customer_keys (customer_id, customer_key)
SELECT customer_id,
       CAST((SELECT coalesce(max(customer_key), 0) FROM products_customer_keys)
            + row_number() OVER (ORDER BY customer_id) AS INTEGER)
FROM (SELECT DISTINCT o.customer_id FROM orders o
      JOIN (SELECT DISTINCT customer_id FROM derived_touched) t ON t.customer_id = o.customer_id) c
WHERE NOT EXISTS (SELECT 1 FROM products_customer_keys k WHERE k.customer_id = c.customer_id);

INSERT INTO products_line_facts BY NAME
WITH order_keys AS (
    SELECT order_id, order_date, customer_id, channel, status,
           CAST((SELECT count(*) FROM orders WHERE order_date < $from_day)
                + row_number() OVER (ORDER BY order_date, order_id) AS INTEGER) AS order_no
    FROM orders WHERE order_date >= $from_day
)
SELECT o.order_no, o.order_id, o.order_date, k.customer_key, o.channel, o.status, i.product_id, pk.product_key,
       coalesce(p.category, 'Uncategorised') AS category, i.quantity, i.unit_price,
       i.order_is_valid, i.is_sale, i.gmv
FROM order_lines i
JOIN order_keys o ON o.order_id = i.order_id
LEFT JOIN products_customer_keys k ON k.customer_id = o.customer_id
JOIN derived_product_keys pk ON pk.product_id = i.product_id
LEFT JOIN products p ON p.product_id = i.product_id
WHERE i.order_date >= $from_day
ORDER BY o.order_no;
