-- 870: the one definition of a valid order, of a sale line and of its GMV (../shared/METRICS.md "Orders and money").
-- Every query, summary-table build and console example reads these views; the rule is written nowhere else.
-- orders_classified: every order with is_valid = a real sale (paid, shipped, completed or returned). Unpaid and
-- cancelled orders are stored but never count as sales.
CREATE OR REPLACE VIEW orders_classified AS
SELECT o.order_id, o.customer_id, o.order_ts, o.order_date, o.status, o.channel, o.device, o.campaign_id,
       o.is_presale, o.discount, o.import_id,
       o.status IN ('paid', 'shipped', 'completed', 'returned') AS is_valid
FROM orders o;

-- valid_orders: the orders that count in Orders, Buyers and every per-customer metric.
CREATE OR REPLACE VIEW valid_orders AS
SELECT order_id, customer_id, order_ts, order_date, status, channel, device, campaign_id, is_presale, discount,
       import_id
FROM orders_classified
WHERE is_valid;

-- order_lines: every order line with its order's attributes. is_sale = the line counts in GMV (a valid order,
-- quantity > 0); gmv = quantity x unit price on sale lines and 0 on every other line, so sum(gmv) over any set of
-- lines is the GMV of METRICS.md.
CREATE OR REPLACE VIEW order_lines AS
SELECT i.order_id, i.line_no, i.product_id, i.quantity, i.unit_price,
       o.customer_id, o.order_ts, o.order_date, o.status, o.channel, o.device, o.campaign_id, o.is_presale,
       o.discount, o.is_valid AS order_is_valid,
       o.is_valid AND i.quantity > 0 AS is_sale,
       CASE WHEN o.is_valid AND i.quantity > 0 THEN i.quantity * i.unit_price ELSE 0 END AS gmv
FROM order_items i
JOIN orders_classified o ON o.order_id = i.order_id;

-- sale_lines: the lines that count in GMV and units sold.
CREATE OR REPLACE VIEW sale_lines AS
SELECT * FROM order_lines WHERE is_sale;
