-- Buyers, repeat buyers, GMV and orders per member group and tier, the valid orders in the range grouped per buyer:
-- users/members.sql's {buyers} slot when channels are chosen (a buyer's orders in those channels are not a run of
-- their order chain, so they are counted by grouping). Reads members.sql's CTE valid.
    SELECT CASE WHEN grouping(member_group) = 0 THEN 'member' ELSE 'tier' END AS level,
           coalesce(member_group, tier) AS grp,
           count(*) AS buyers, count(*) FILTER (WHERE n_orders >= 2) AS repeat_buyers,
           sum(gmv) AS gmv, sum(n_orders) AS orders
    FROM (SELECT ckey, any_value(member_group) AS member_group, any_value(tier) AS tier,
                 count(*) AS n_orders, sum(gmv) AS gmv
          FROM valid GROUP BY ckey) per_buyer
    GROUP BY GROUPING SETS ((member_group), (tier))
