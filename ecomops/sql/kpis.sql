-- Home KPIs for one period (METRICS.md). GMV comes from the derived daily rollup (ecomops/derived.py: same
-- definition, pre-summed per day x channel x category); orders and buyers are distinct counts over orders alone.
-- Placeholders: order_where (o), category_where (p), rollup_where (r), traffic_where (t), no_category.
WITH range_orders AS (
    SELECT o.order_id, o.customer_id
    FROM valid_orders o
    WHERE {order_where}
      AND ({no_category} OR EXISTS (
          SELECT 1 FROM order_items i JOIN products p ON p.product_id = i.product_id
          WHERE i.order_id = o.order_id AND {category_where}))
),
per_buyer AS (
    SELECT customer_id, count(*) AS n_orders
    FROM range_orders
    WHERE customer_id IS NOT NULL
    GROUP BY customer_id
)
SELECT
    (SELECT coalesce(sum(r.gmv), 0) FROM daily_sales_rollup r WHERE {rollup_where}) AS gmv,
    (SELECT count(*) FROM range_orders)                                                AS orders,
    (SELECT count(*) FROM per_buyer)                                                   AS buyers,
    (SELECT count(*) FILTER (WHERE n_orders >= 2) FROM per_buyer)                      AS repeat_buyers,
    (SELECT sum(t.uv) FROM traffic_daily t WHERE {traffic_where})                      AS uv
