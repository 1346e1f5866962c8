-- Update products_line_facts after an import or undo (ecomops/incremental.py, in the build's transaction): every
-- line of the orders on or after the earliest touched day ($from_day) is rewritten; the
-- lines before it keep their order numbers, which count orders in (order_date, order_id) order. The statements
-- mirror line_facts_build.sql (the oracle test compares the two).
-- The per-line purchase chain (first_product_line, buy_prev_date, buy_next_date) is computed for the new lines as
-- the build does. Every (customer, product) bought on or after $from_day, before or after the update, has its last
-- kept purchase (the kept sale lines whose next purchase is on or after $from_day, or none) read in one scan: its
-- day is the new lines' previous purchase, and its next purchase is set again from the new lines.
CREATE OR REPLACE TEMP TABLE line_facts_pairs AS
SELECT DISTINCT customer_key, product_key FROM products_line_facts
WHERE order_date >= $from_day AND is_sale AND customer_key IS NOT NULL;

DELETE FROM products_line_facts WHERE order_date >= $from_day;

-- A customer without a key had no order at the last build or update, so every order they have now is a touched one:
-- only the touched orders are read (through their days, as constants, so the filter reaches the orders scan; a join
-- of every order on the touched customers took 1.8 s at 10M customers).
INSERT INTO products_customer_keys (customer_id, customer_key)
SELECT customer_id,
       CAST((SELECT coalesce(max(customer_key), 0) FROM products_customer_keys)
            + row_number() OVER (ORDER BY customer_id) AS INTEGER)
FROM (SELECT DISTINCT o.customer_id FROM orders o
      JOIN derived_touched t ON t.order_id = o.order_id
      WHERE o.customer_id IS NOT NULL AND o.order_date BETWEEN $first AND $last AND list_contains($days, o.order_date)) c
WHERE NOT EXISTS (SELECT 1 FROM products_customer_keys k WHERE k.customer_id = c.customer_id);

CREATE OR REPLACE TEMP TABLE line_facts_new AS
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
-- Bounded on both sides ($to_day = the last order day): with ">=" alone DuckDB's estimate made it hash every line
-- (1.7 s at 10M customers); the range lets the day filter reach the line scan (0.04 s).
WHERE i.order_date BETWEEN $from_day AND $to_day;

INSERT INTO line_facts_pairs
SELECT DISTINCT customer_key, product_key FROM line_facts_new WHERE is_sale AND customer_key IS NOT NULL;

CREATE OR REPLACE TEMP TABLE line_facts_last AS  -- the last kept purchase lines of those pairs (one scan)
SELECT f.rowid AS line_rowid, f.customer_key, f.product_key, f.order_date
FROM products_line_facts f
-- The customers first: a join on one integer column is also applied inside the scan (2.0 s -> 0.8 s at 10M).
SEMI JOIN (SELECT DISTINCT customer_key FROM line_facts_pairs) c ON c.customer_key = f.customer_key
SEMI JOIN (SELECT DISTINCT customer_key, product_key FROM line_facts_pairs) p
       ON p.customer_key = f.customer_key AND p.product_key = f.product_key
WHERE f.order_date < $from_day AND f.is_sale AND (f.buy_next_date IS NULL OR f.buy_next_date >= $from_day);

INSERT INTO products_line_facts BY NAME
WITH earlier AS (  -- each pair's last kept purchase
    SELECT customer_key, product_key, max(order_date) AS last_date FROM line_facts_last GROUP BY ALL
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
FROM line_facts_new l
LEFT JOIN earlier e ON e.customer_key = l.customer_key AND e.product_key = l.product_key
ORDER BY l.order_no;

-- Those last kept purchases' next purchase: the pair's first purchase in the new lines, or none.
UPDATE products_line_facts SET buy_next_date = n.next_date
FROM (
    SELECT k.line_rowid, min(l.order_date) AS next_date
    FROM line_facts_last k
    LEFT JOIN line_facts_new l
      ON l.customer_key = k.customer_key AND l.product_key = k.product_key AND l.is_sale
    GROUP BY k.line_rowid
) n
WHERE products_line_facts.rowid = n.line_rowid;

DROP TABLE line_facts_pairs;
DROP TABLE line_facts_new;
DROP TABLE line_facts_last;
