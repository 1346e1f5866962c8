-- ABC class (METRICS.md "Products"), the one definition used by Inventory, Supply and the demo generator.
-- A fragment (metrics.abc_classes_sql): classifies every row of {product_gmv} (product_id, gmv = the SKU's GMV over
-- the ABC window, 0 for a SKU with stock or in the catalogue and no sales). SKUs sorted by GMV descending, ties by
-- product id (GMV rounded to 1e-6 for the order: a sum's last bits depend on the order an engine adds in, and two
-- SKUs with the same GMV must rank by product id on every engine); a SKU is A while the GMV of the SKUs before it is under $a_share of the total (so the SKU that carries
-- the cumulative share to 80% is still A), B while under $b_share, C otherwise, including every SKU without sales.
SELECT product_id, gmv,
       gmv / nullif(total_gmv, 0)                                  AS share,
       (gmv_before + gmv) / nullif(total_gmv, 0)                   AS cum_share,
       gmv_rank,
       CASE WHEN gmv > 0 AND gmv_before < $a_share * total_gmv THEN 'A'
            WHEN gmv > 0 AND gmv_before < $b_share * total_gmv THEN 'B'
            ELSE 'C' END                                           AS abc_class
FROM (
    SELECT product_id, gmv,
           sum(gmv) OVER ()                                                                  AS total_gmv,
           coalesce(sum(gmv) OVER (ORDER BY round(gmv, 6) DESC, product_id
                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)     AS gmv_before,
           row_number() OVER (ORDER BY round(gmv, 6) DESC, product_id)                     AS gmv_rank
    FROM {product_gmv}
)
