-- Big sales overlapping the range: campaign GMV, pre-sale GMV and orders (METRICS.md valid orders and GMV).
-- An order belongs to a big sale when it is tagged with its campaign_id, or untagged and dated inside the campaign
-- window (pre-sale start .. end): uploads without campaign ids still get a figure.
-- Speed: orders are cut to the span of the windows, GMV (from the derived daily_sales_rollup) and order counts
-- are first summed per (day, campaign id, pre-sale flag) — a few hundred rows — and only those are matched to the
-- campaign windows. Format slots: {order_where_nodate}, {order_category}, {rollup_where_nodate}.
-- Params: theirs + $start, $end.
WITH sales AS (
    SELECT campaign_id, name, coalesce(presale_start, start_date) AS window_start, start_date, end_date, presale_start
    FROM campaigns
    WHERE kind = 'big_sale' AND coalesce(presale_start, start_date) <= $end AND end_date >= $start
),
window_orders AS (
    SELECT o.order_id, o.order_date, o.campaign_id, o.is_presale
    FROM valid_orders o
    WHERE o.order_date BETWEEN (SELECT min(window_start) FROM sales) AND (SELECT max(end_date) FROM sales)
      AND {order_where_nodate}
),
day_orders AS (
    SELECT o.order_date, o.campaign_id, o.is_presale, count(*) AS orders
    FROM window_orders o WHERE {order_category}
    GROUP BY ALL
),
day_gmv AS (
    SELECT r.day AS order_date, r.campaign_id, r.is_presale, sum(r.gmv) AS gmv
    FROM daily_sales_rollup r
    WHERE r.day BETWEEN (SELECT min(window_start) FROM sales) AND (SELECT max(end_date) FROM sales)
      AND {rollup_where_nodate}
    GROUP BY ALL
),
days AS (
    SELECT order_date, campaign_id, is_presale, sum(gmv) AS gmv, sum(orders) AS orders
    FROM (SELECT order_date, campaign_id, is_presale, gmv, 0 AS orders FROM day_gmv
          UNION ALL
          SELECT order_date, campaign_id, is_presale, 0, orders FROM day_orders)
    GROUP BY ALL
),
matched AS (
    SELECT s.campaign_id, d.is_presale, d.gmv, d.orders
    FROM sales s
    JOIN days d ON d.order_date BETWEEN s.window_start AND s.end_date
    WHERE d.campaign_id = s.campaign_id OR d.campaign_id IS NULL
)
SELECT s.campaign_id, s.name, s.presale_start, s.start_date, s.end_date,
       coalesce(sum(m.gmv), 0) AS gmv,
       coalesce(sum(m.gmv) FILTER (WHERE m.is_presale), 0) AS presale_gmv,
       coalesce(sum(m.orders), 0) AS orders,
       coalesce(sum(m.orders) FILTER (WHERE m.is_presale), 0) AS presale_orders
FROM sales s LEFT JOIN matched m ON m.campaign_id = s.campaign_id
GROUP BY ALL
ORDER BY s.start_date
