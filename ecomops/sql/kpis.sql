-- Home KPIs for one period (METRICS.md). Params: those of {order_where} and {traffic_where}.
WITH valid_orders AS (
    SELECT o.order_id, o.customer_id
    FROM orders o
    WHERE o.status <> 'cancelled' AND {order_where}
      AND ({no_category} OR EXISTS (
          SELECT 1 FROM order_items i JOIN products p ON p.product_id = i.product_id
          WHERE i.order_id = o.order_id AND {category_where}))
),
gmv AS (
    SELECT sum(i.quantity * i.unit_price) AS gmv
    FROM order_items i
    JOIN valid_orders v ON v.order_id = i.order_id
    LEFT JOIN products p ON p.product_id = i.product_id
    WHERE i.quantity > 0 AND {category_where}
),
per_buyer AS (
    SELECT customer_id, count(*) AS n_orders
    FROM valid_orders
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
),
traffic AS (
    SELECT sum(t.uv) AS uv, count(*) AS n_rows FROM traffic_daily t WHERE {traffic_where}
)
SELECT
    coalesce((SELECT gmv FROM gmv), 0)                           AS gmv,
    (SELECT count(*) FROM valid_orders)                          AS orders,
    (SELECT count(*) FROM per_buyer)                             AS buyers,
    (SELECT count(*) FILTER (WHERE n_orders >= 2) FROM per_buyer) AS repeat_buyers,
    (SELECT uv FROM traffic)                                     AS uv
