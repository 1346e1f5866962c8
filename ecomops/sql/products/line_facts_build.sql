-- Rebuild products_line_facts (migration 200); run inside one transaction by ecomops/derived.py.
-- Customer keys are kept across rebuilds (products_customer_keys, migration 920): customers new to the orders are
-- numbered after the last key in id order, so an incremental update (line_facts_update.sql) gives the same keys.
INSERT INTO products_customer_keys (customer_id, customer_key)
SELECT customer_id,
       CAST((SELECT coalesce(max(customer_key), 0) FROM products_customer_keys)
            + row_number() OVER (ORDER BY customer_id) AS INTEGER)
FROM (SELECT DISTINCT customer_id FROM orders WHERE customer_id IS NOT NULL) c
WHERE NOT EXISTS (SELECT 1 FROM products_customer_keys k WHERE k.customer_id = c.customer_id);

CREATE OR REPLACE TABLE products_line_facts AS
WITH order_keys AS (
    SELECT order_id, order_date, customer_id, channel, status,
           CAST(row_number() OVER (ORDER BY order_date, order_id) AS INTEGER) AS order_no
    FROM orders
),
product_keys AS (  -- ordered like product_id, so comparing keys compares ids
    SELECT product_id, CAST(row_number() OVER (ORDER BY product_id) AS INTEGER) AS product_key
    FROM (SELECT DISTINCT product_id FROM order_items) p
),
lines AS (
    SELECT o.order_no, o.order_id, o.order_date, k.customer_key, o.channel, o.status, i.product_id, pk.product_key,
           coalesce(p.category, 'Uncategorised') AS category, i.quantity, i.unit_price,
           i.order_is_valid, i.is_sale, i.gmv
    FROM order_lines i
    JOIN order_keys o ON o.order_id = i.order_id
    LEFT JOIN products_customer_keys k ON k.customer_id = o.customer_id
    JOIN product_keys pk ON pk.product_id = i.product_id
    LEFT JOIN products p ON p.product_id = i.product_id
)
-- Per-line facts that let a date window count orders and buyers of a product without grouping its lines
-- (products/weekly, products/repurchase: grouping 20M lines per order or per buyer took seconds at 10M customers):
-- first_product_line: one line per (order, product), a sale line when the order bought the product;
-- buy_prev_date / buy_next_date (sale lines of a customer): the day of the customer's previous / next other order
-- that bought the product (order_no orders orders by day, so the nearest other order is the latest / earliest day).
SELECT order_no, order_id, order_date, customer_key, channel, status, product_id, product_key, category, quantity,
       unit_price, order_is_valid, is_sale, gmv,
       row_number() OVER (PARTITION BY order_no, product_key
                          ORDER BY is_sale DESC, quantity, unit_price, gmv) = 1 AS first_product_line,
       CASE WHEN is_sale AND customer_key IS NOT NULL THEN
           max(CASE WHEN is_sale THEN order_date END) OVER (
               PARTITION BY customer_key, product_key ORDER BY order_no
               RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) END AS buy_prev_date,
       CASE WHEN is_sale AND customer_key IS NOT NULL THEN
           min(CASE WHEN is_sale THEN order_date END) OVER (
               PARTITION BY customer_key, product_key ORDER BY order_no
               RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) END AS buy_next_date
FROM lines
-- order_no follows (order_date, order_id): sorting by it keeps the table date-sorted with an integer sort
ORDER BY order_no;
