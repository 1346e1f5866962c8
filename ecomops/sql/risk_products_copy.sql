-- Product copy to scan for claims (issue 7): every product in the category filter.
SELECT p.product_id, p.title, p.description, p.category
FROM products p
WHERE {category_where}
ORDER BY p.product_id
