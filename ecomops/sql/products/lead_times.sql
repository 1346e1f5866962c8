-- Each product's supplier lead time in days: the primary supplier's, else the shortest known.
SELECT product_id,
       coalesce(min(lead_time_days) FILTER (WHERE role = 'primary'), min(lead_time_days)) AS lead_time_days
FROM product_suppliers
WHERE lead_time_days IS NOT NULL
GROUP BY product_id
