-- Update the users_* summary tables after an import or undo (ecomops/incremental.py, in the build's transaction):
-- the customers of the touched orders (temp table derived_touched) get their key row, every valid order and rated
-- review recomputed; everyone else's rows stay. The statements mirror order_facts_build.sql (the oracle test
-- compares the two); the RFM scores are as of the last order day, so they are recomputed whole afterwards.
CREATE OR REPLACE TEMP TABLE users_touched AS
SELECT DISTINCT customer_id FROM derived_touched WHERE customer_id IS NOT NULL;

-- The keys the touched customers had: their old order and review rows go.
CREATE OR REPLACE TEMP TABLE users_touched_keys AS
SELECT ckey FROM users_customer_keys WHERE customer_id IN (SELECT customer_id FROM users_touched);

CREATE OR REPLACE TEMP TABLE users_new_keys AS
WITH buyers AS (
    SELECT customer_id, min(order_date) AS first_order_date
    FROM valid_orders WHERE customer_id IN (SELECT customer_id FROM users_touched)
    GROUP BY customer_id
),
registered AS (SELECT * FROM customers WHERE customer_id IN (SELECT customer_id FROM users_touched)),
everyone AS (
    SELECT coalesce(c.customer_id, b.customer_id) AS customer_id,
           c.customer_id IS NOT NULL AS registered,
           c.signup_date,
           c.channel AS signup_channel,
           coalesce(nullif(lower(trim(c.membership_tier)), ''), 'none') AS membership_tier,
           b.first_order_date
    FROM registered c FULL JOIN buyers b ON b.customer_id = c.customer_id
)
SELECT e.*, o.ckey FROM everyone e LEFT JOIN users_customer_keys o ON o.customer_id = e.customer_id;

DELETE FROM users_customer_keys WHERE customer_id IN (SELECT customer_id FROM users_touched);
INSERT INTO users_customer_keys BY NAME
SELECT CAST(coalesce(ckey, greatest((SELECT coalesce(max(ckey), 0) FROM users_customer_keys),
                                    (SELECT coalesce(max(ckey), 0) FROM users_new_keys))
                           + row_number() OVER (PARTITION BY ckey IS NULL ORDER BY customer_id)) AS INTEGER) AS ckey,
       customer_id, registered, signup_date, signup_channel, membership_tier, first_order_date
FROM users_new_keys;

CREATE OR REPLACE TEMP TABLE users_scope AS
SELECT ckey FROM users_touched_keys
UNION SELECT ckey FROM users_customer_keys WHERE customer_id IN (SELECT customer_id FROM users_touched);

DELETE FROM users_order_facts
WHERE ckey IN (SELECT ckey FROM users_scope) OR order_id IN (SELECT order_id FROM derived_touched);
INSERT INTO users_order_facts BY NAME
WITH scoped AS (
    SELECT * FROM valid_orders
    WHERE customer_id IN (SELECT customer_id FROM users_touched) OR order_id IN (SELECT order_id FROM derived_touched)
)
SELECT k.ckey, coalesce(k.membership_tier, 'none') AS membership_tier, o.order_id, o.order_date, o.order_ts, o.channel, o.status, o.discount, coalesce(g.gmv, 0) AS gmv,
       coalesce(g.category_bits, CAST(0 AS UBIGINT)) AS category_bits,
       CASE WHEN k.ckey IS NOT NULL THEN lag(o.order_date) OVER w END AS prev_order_date,
       CASE WHEN k.ckey IS NOT NULL THEN lead(o.order_date) OVER w END AS next_order_date
FROM scoped o
LEFT JOIN users_customer_keys k ON k.customer_id = o.customer_id
LEFT JOIN (
    SELECT i.order_id, sum(i.gmv) AS gmv,
           bit_or(CAST(1 AS UBIGINT) << coalesce(pb.bit, (SELECT bit FROM users_category_bits
                                                          WHERE category = 'Uncategorised'))) AS category_bits
    FROM sale_lines i
    LEFT JOIN (SELECT p.product_id, b.bit FROM products p
               JOIN users_category_bits b ON b.category = coalesce(p.category, 'Uncategorised')) pb
           ON pb.product_id = i.product_id
    WHERE i.order_id IN (SELECT order_id FROM scoped)
    GROUP BY i.order_id
) g ON g.order_id = o.order_id
WINDOW w AS (PARTITION BY k.ckey ORDER BY o.order_ts, o.order_id);

DELETE FROM users_review_facts WHERE ckey IN (SELECT ckey FROM users_scope);
INSERT INTO users_review_facts BY NAME
SELECT k.ckey, CAST(r.created_ts AS DATE) AS created_date, r.rating
FROM reviews r JOIN users_customer_keys k ON k.customer_id = r.customer_id
WHERE r.rating IS NOT NULL AND k.customer_id IN (SELECT customer_id FROM users_touched);

DELETE FROM users_rfm_scores;
DROP TABLE users_touched;
DROP TABLE users_touched_keys;
DROP TABLE users_new_keys;
DROP TABLE users_scope;
