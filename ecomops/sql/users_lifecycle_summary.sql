-- Customers per lifecycle state as of $as_of, and the GMV each state produced in the filtered range.
-- <lifecycle>: users_lifecycle.sql; <range_gmv>: GMV per ckey in the filtered range (NULL ckey = guest orders).
-- Guest orders form their own row ('guest', 0 customers) so that GMV shares add up to the range's GMV.
WITH lc AS ({lifecycle}),
range_gmv AS ({range_gmv})
SELECT segment, count(ckey) AS customers, coalesce(sum(gmv), 0) AS gmv
FROM (
    SELECT lc.segment, lc.ckey, g.gmv FROM lc LEFT JOIN range_gmv g ON g.ckey = lc.ckey
    UNION ALL
    SELECT 'guest', NULL, gmv FROM range_gmv WHERE ckey IS NULL
)
GROUP BY segment
