-- One row per product (category filter): GMV in the sidebar period, its suppliers, backups and lead times.
-- Params: those of {order_where} (o.order_date, o.channel) and {category_where} (p.category).
-- Sales from the Products summary table (its sale lines are sale_lines', with the order's day and channel; reading
-- sale_lines joined every order line to its order: 3 s at 100M lines).
WITH sales AS (
    SELECT o.product_id, sum(o.gmv) AS gmv
    FROM products_line_facts o
    WHERE o.is_sale AND {order_where}
    GROUP BY o.product_id
),
links AS (
    SELECT product_id,
           count(DISTINCT supplier_id)                                              AS suppliers,
           count(DISTINCT supplier_id) FILTER (WHERE role = 'backup')               AS backups,
           -- the primary supplier; a product listed without a primary takes its first supplier by id
           arg_min(supplier_id, (CASE WHEN role = 'primary' THEN 0 ELSE 1 END, supplier_id)) AS primary_supplier,
           min(lead_time_days) FILTER (WHERE role = 'primary')                      AS primary_lead_days,
           min(lead_time_days) FILTER (WHERE role = 'backup')                       AS backup_lead_days,
           arg_min(supplier_id, lead_time_days) FILTER (WHERE role = 'backup')      AS fastest_backup
    FROM product_suppliers
    GROUP BY product_id
)
SELECT p.product_id, p.title, p.category,
       coalesce(s.gmv, 0)                    AS gmv,
       coalesce(l.suppliers, 0)              AS suppliers,
       coalesce(l.backups, 0)                AS backups,
       l.primary_supplier,
       sp.name                               AS primary_supplier_name,
       l.primary_lead_days * 24              AS primary_lead_hours,
       l.fastest_backup,
       l.backup_lead_days * 24               AS backup_lead_hours
FROM products p
LEFT JOIN sales s ON s.product_id = p.product_id
LEFT JOIN links l ON l.product_id = p.product_id
LEFT JOIN suppliers sp ON sp.supplier_id = l.primary_supplier
WHERE {category_where}
-- GMV rounded to 1e-6 for the order: a sum's last bits depend on the order an engine adds in (Spark, DuckDB), and
-- equal GMVs must then rank by the tie-breaker on every engine.
ORDER BY round(coalesce(s.gmv, 0), 6) DESC, p.product_id
