-- One row per product-supplier link with its lead time in hours, backups first by longest lead time.
-- Placeholder: {category_where} (p). Params: theirs.
SELECT ps.product_id, p.title, p.category, ps.supplier_id, coalesce(s.name, ps.supplier_id) AS supplier,
       ps.role, ps.lead_time_days * 24 AS lead_hours
FROM product_suppliers ps
JOIN products p ON p.product_id = ps.product_id
LEFT JOIN suppliers s ON s.supplier_id = ps.supplier_id
WHERE {category_where}
ORDER BY ps.role DESC, lead_hours DESC, ps.product_id
