-- Big sales overlapping the range: campaign GMV, pre-sale GMV and orders (METRICS.md valid orders and GMV).
-- An order belongs to a big sale when it is tagged with its campaign_id, or untagged and dated inside the campaign
-- window (pre-sale start .. end): uploads without campaign ids still get a figure. The range join keeps the scan to
-- the windows. Format slots: {order_where_nodate}, {line_category}. Params: theirs + $start, $end.
WITH sales AS (
    SELECT campaign_id, name, coalesce(presale_start, start_date) AS window_start, start_date, end_date, presale_start
    FROM campaigns
    WHERE kind = 'big_sale' AND coalesce(presale_start, start_date) <= $end AND end_date >= $start
),
lines AS (
    SELECT s.campaign_id, o.order_id, o.is_presale,
           CASE WHEN i.quantity > 0 THEN i.quantity * i.unit_price ELSE 0 END AS amount
    FROM sales s
    JOIN orders o ON o.order_date BETWEEN s.window_start AND s.end_date
    JOIN order_items i ON i.order_id = o.order_id
    WHERE o.status <> 'cancelled' AND (o.campaign_id = s.campaign_id OR o.campaign_id IS NULL)
      AND {order_where_nodate} AND {line_category}
)
SELECT s.campaign_id, s.name, s.presale_start, s.start_date, s.end_date,
       coalesce(sum(l.amount), 0) AS gmv,
       coalesce(sum(l.amount) FILTER (WHERE l.is_presale), 0) AS presale_gmv,
       count(DISTINCT l.order_id) AS orders,
       count(DISTINCT l.order_id) FILTER (WHERE l.is_presale) AS presale_orders
FROM sales s LEFT JOIN lines l ON l.campaign_id = s.campaign_id
GROUP BY ALL
ORDER BY s.start_date
