-- Home KPIs for one period (METRICS.md). GMV comes from the derived daily rollup (ecomops/derived.py: same
-- definition, pre-summed per day x channel x category); orders and buyers are distinct counts over orders alone.
-- Placeholders (filters.sales_slots): order_where (o), order_category (orders holding a line of the chosen
-- categories), rollup_where (r), traffic_where (t).
WITH range_orders AS (
    SELECT o.order_id, o.customer_id
    FROM valid_orders o
    WHERE {order_where} AND {order_category}
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
