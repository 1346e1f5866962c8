-- Update the users_* summary tables after an import or undo (ecomops/incremental.py, in the build's transaction):
-- the customers of the touched orders (temp table derived_touched, every version of each touched order) get their
-- key row, every valid order and rated review recomputed; everyone else's rows stay. The statements mirror
-- order_facts_build.sql (the oracle test compares the two); the RFM scores are as of the last order day, so they are
-- recomputed afterwards for every buyer (ecomops/users/rfm.py update_latest_rfm, from users_rfm_touched below).
-- Only the touched orders' lines are read: an untouched order of a touched customer keeps its row (its GMV and
-- categories depend on its own lines, which no pending change wrote; a new product's lines are in touched orders
-- only), and only its previous/next order dates and tier are recomputed. The touched orders are reached through
-- their days (parameters days, first, last: every version's day is in derived_touched, so the current one is too) and
-- their ids: the day filter reaches the orders scan (zone maps), the ids the lines scan; a join of sale_lines on the
-- ids alone hashed every valid order (4 s at 1M customers), an IN over a subquery joined every line to its order.
CREATE OR REPLACE TEMP TABLE users_touched AS
SELECT DISTINCT customer_id FROM derived_touched WHERE customer_id IS NOT NULL;

CREATE OR REPLACE TEMP TABLE users_touched_orders AS SELECT DISTINCT order_id FROM derived_touched;

-- The keys the touched customers had: their old order rows go. Every version of a touched order is in
-- derived_touched, so an old row of a touched order has one of these keys, or none (a guest order).
CREATE OR REPLACE TEMP TABLE users_touched_keys AS
SELECT k.ckey, k.customer_id FROM users_customer_keys k JOIN users_touched t ON t.customer_id = k.customer_id;

-- The touched orders as they are now (the valid ones), with the GMV and categories of their sale lines.
CREATE OR REPLACE TEMP TABLE users_fresh_orders AS
SELECT o.customer_id, o.order_id, o.order_date, o.order_ts, o.channel, o.status, o.discount,
       coalesce(g.gmv, 0) AS gmv, coalesce(g.category_bits, CAST(0 AS UBIGINT)) AS category_bits
FROM valid_orders o
JOIN users_touched_orders t ON t.order_id = o.order_id
LEFT JOIN (
    SELECT i.order_id, sum(i.gmv) AS gmv,
           bit_or(CAST(1 AS UBIGINT) << coalesce(pb.bit, (SELECT bit FROM users_category_bits
                                                          WHERE category = 'Uncategorised'))) AS category_bits
    FROM users_touched_orders s
    JOIN sale_lines i ON i.order_id = s.order_id
    LEFT JOIN (SELECT p.product_id, b.bit FROM products p
               JOIN users_category_bits b ON b.category = coalesce(p.category, 'Uncategorised')) pb
           ON pb.product_id = i.product_id
    WHERE i.order_date BETWEEN $first AND $last AND list_contains($days, i.order_date)
    GROUP BY i.order_id
) g ON g.order_id = o.order_id
WHERE o.order_date BETWEEN $first AND $last AND list_contains($days, o.order_date);

-- Every valid order of the touched customers: their untouched rows as they are, and the touched orders now.
CREATE OR REPLACE TEMP TABLE users_scoped_orders AS
SELECT k.customer_id, f.order_id, f.order_date, f.order_ts, f.channel, f.status, f.discount, f.gmv, f.category_bits
FROM users_order_facts f
JOIN users_touched_keys k ON k.ckey = f.ckey
ANTI JOIN users_touched_orders t ON t.order_id = f.order_id
UNION ALL
SELECT * FROM users_fresh_orders;

CREATE OR REPLACE TEMP TABLE users_new_keys AS
WITH buyers AS (
    SELECT customer_id, min(order_date) AS first_order_date
    FROM users_scoped_orders WHERE customer_id IS NOT NULL
    GROUP BY customer_id
),
registered AS (SELECT c.* FROM customers c JOIN users_touched t ON t.customer_id = c.customer_id),
everyone AS (
    SELECT coalesce(c.customer_id, b.customer_id) AS customer_id,
           c.customer_id IS NOT NULL AS registered,
           c.signup_date,
           c.channel AS signup_channel,
           coalesce(nullif(lower(trim(c.membership_tier)), ''), 'none') AS membership_tier,
           b.first_order_date
    FROM registered c FULL JOIN buyers b ON b.customer_id = c.customer_id
)
SELECT e.*, o.ckey FROM everyone e LEFT JOIN users_touched_keys o ON o.customer_id = e.customer_id;

-- The touched customers' key rows now: a kept key, or a new one after the last key (of the other customers and the
-- kept ones) in id order. Kept here: the order and review rows below take the keys from it.
CREATE OR REPLACE TEMP TABLE users_scope AS
SELECT CAST(coalesce(ckey, greatest((SELECT coalesce(max(k.ckey), 0) FROM users_customer_keys k
                                     ANTI JOIN users_touched_keys t ON t.ckey = k.ckey),
                                    (SELECT coalesce(max(ckey), 0) FROM users_new_keys))
                           + row_number() OVER (PARTITION BY ckey IS NULL ORDER BY customer_id)) AS INTEGER) AS ckey,
       customer_id, registered, signup_date, signup_channel, membership_tier, first_order_date
FROM users_new_keys;

DELETE FROM users_customer_keys k USING users_touched_keys t WHERE k.ckey = t.ckey;
INSERT INTO users_customer_keys BY NAME SELECT * FROM users_scope;

DELETE FROM users_order_facts f USING users_touched_keys s WHERE f.ckey = s.ckey;
DELETE FROM users_order_facts f USING users_touched_orders s WHERE f.ckey IS NULL AND f.order_id = s.order_id;
INSERT INTO users_order_facts BY NAME
SELECT k.ckey, coalesce(k.membership_tier, 'none') AS membership_tier, o.order_id, o.order_date, o.order_ts, o.channel, o.status, o.discount, o.gmv,
       o.category_bits,
       CASE WHEN k.ckey IS NOT NULL THEN lag(o.order_date) OVER w END AS prev_order_date,
       CASE WHEN k.ckey IS NOT NULL THEN lead(o.order_date) OVER w END AS next_order_date
FROM users_scoped_orders o
LEFT JOIN users_scope k ON k.customer_id = o.customer_id
WINDOW w AS (PARTITION BY k.ckey ORDER BY o.order_ts, o.order_id);

-- A customer's review rows are their rated reviews under their key, and no review changed: only the customers whose
-- key came, went or changed hands (a new buyer, a vanished one) get theirs again.
DELETE FROM users_review_facts f
USING (SELECT ckey, customer_id FROM users_touched_keys EXCEPT SELECT ckey, customer_id FROM users_scope) g
WHERE f.ckey = g.ckey;
INSERT INTO users_review_facts BY NAME
SELECT k.ckey, CAST(r.created_ts AS DATE) AS created_date, r.rating
FROM (SELECT ckey, customer_id FROM users_scope EXCEPT SELECT ckey, customer_id FROM users_touched_keys) k
JOIN reviews r ON r.customer_id = k.customer_id
WHERE r.rating IS NOT NULL;

-- The touched buyer keys, old and new: ecomops/users/rfm.py update_latest_rfm recomputes their totals (and drops
-- this table).
CREATE OR REPLACE TEMP TABLE users_rfm_touched AS SELECT ckey FROM users_touched_keys UNION SELECT ckey FROM users_scope;

DROP TABLE users_touched;
DROP TABLE users_touched_orders;
DROP TABLE users_touched_keys;
DROP TABLE users_fresh_orders;
DROP TABLE users_scoped_orders;
DROP TABLE users_new_keys;
DROP TABLE users_scope;
