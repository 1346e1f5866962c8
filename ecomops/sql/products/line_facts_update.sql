-- Update products_line_facts after an import or undo (ecomops/incremental.py, in the build's transaction): every
-- line of the orders on or after the earliest touched day ($from_day) is rewritten; the
-- lines before it keep their order numbers, which count orders in (order_date, order_id) order. The statements
-- mirror line_facts_build.sql (the oracle test compares the two).
-- The per-line purchase chain (first_product_line, buy_prev_date, buy_next_date) is computed for the new lines as
-- the build does, their previous purchase before $from_day read from the kept lines; the kept lines' next purchase
-- is set again for every (customer, product) bought on or after $from_day, before or after the update.
CREATE OR REPLACE TEMP TABLE line_facts_pairs AS
SELECT DISTINCT customer_key, product_key FROM products_line_facts
WHERE order_date >= $from_day AND is_sale AND customer_key IS NOT NULL;

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
),
lines AS MATERIALIZED (
    SELECT o.order_no, o.order_id, o.order_date, k.customer_key, o.channel, o.status, i.product_id, pk.product_key,
           coalesce(p.category, 'Uncategorised') AS category, i.quantity, i.unit_price,
           i.order_is_valid, i.is_sale, i.gmv
    FROM order_lines i
    JOIN order_keys o ON o.order_id = i.order_id
    LEFT JOIN products_customer_keys k ON k.customer_id = o.customer_id
    JOIN derived_product_keys pk ON pk.product_id = i.product_id
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.order_date >= $from_day
),
earlier AS (  -- each new buyer's last purchase of the product before $from_day (the kept lines)
    SELECT f.customer_key, f.product_key, max(f.order_date) AS last_date
    FROM products_line_facts f
    WHERE f.order_date < $from_day AND f.is_sale
      AND f.customer_key IN (SELECT customer_key FROM lines WHERE is_sale AND customer_key IS NOT NULL)
    GROUP BY f.customer_key, f.product_key
)
SELECT l.order_no, l.order_id, l.order_date, l.customer_key, l.channel, l.status, l.product_id, l.product_key,
       l.category, l.quantity, l.unit_price, l.order_is_valid, l.is_sale, l.gmv,
       row_number() OVER (PARTITION BY l.order_no, l.product_key
                          ORDER BY l.is_sale DESC, l.quantity, l.unit_price, l.gmv) = 1 AS first_product_line,
       CASE WHEN l.is_sale AND l.customer_key IS NOT NULL THEN
           coalesce(max(CASE WHEN l.is_sale THEN l.order_date END) OVER (
                        PARTITION BY l.customer_key, l.product_key ORDER BY l.order_no
                        RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                    e.last_date) END AS buy_prev_date,
       CASE WHEN l.is_sale AND l.customer_key IS NOT NULL THEN
           min(CASE WHEN l.is_sale THEN l.order_date END) OVER (
               PARTITION BY l.customer_key, l.product_key ORDER BY l.order_no
               RANGE BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) END AS buy_next_date
FROM lines l
LEFT JOIN earlier e ON e.customer_key = l.customer_key AND e.product_key = l.product_key
ORDER BY l.order_no;

INSERT INTO line_facts_pairs
SELECT DISTINCT customer_key, product_key FROM products_line_facts
WHERE order_date >= $from_day AND is_sale AND customer_key IS NOT NULL;

-- The kept lines whose next purchase is on or after $from_day (or none): the last purchase before it of each pair.
UPDATE products_line_facts SET buy_next_date = n.next_date
FROM (
    SELECT p.customer_key, p.product_key, min(f.order_date) AS next_date
    FROM (SELECT DISTINCT customer_key, product_key FROM line_facts_pairs) p
    LEFT JOIN products_line_facts f
      ON f.customer_key = p.customer_key AND f.product_key = p.product_key
     AND f.order_date >= $from_day AND f.is_sale
    GROUP BY p.customer_key, p.product_key
) n
WHERE products_line_facts.customer_key = n.customer_key AND products_line_facts.product_key = n.product_key
  AND products_line_facts.order_date < $from_day AND products_line_facts.is_sale
  AND (products_line_facts.buy_next_date IS NULL OR products_line_facts.buy_next_date >= $from_day);

DROP TABLE line_facts_pairs;
