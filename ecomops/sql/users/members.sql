-- Members vs non-members, and per membership tier, over the filtered range (<order_where> on the derived valid
-- orders o: dates, channels). A member has membership_tier other than 'none' (current tier: no tier history).
--   buyers          customers with a valid order in the range     repeat_buyers  those with 2+ valid orders
--   gmv, orders     of those valid orders
--   repurchase cycle: median days between consecutive valid orders of the same customer, over the pairs whose
--                   later order is in the range (the earlier one may be older); same-day reorders count as 0.
-- level 'member' rows group by member / non-member, level 'tier' rows by tier (one scan, GROUPING SETS).
WITH valid AS (
    SELECT o.ckey, o.gmv, o.order_date, o.prev_order_date, o.membership_tier AS tier,
           CASE WHEN o.membership_tier = 'none' THEN 'non-member' ELSE 'member' END AS member_group
    FROM users_order_facts o
    WHERE o.ckey IS NOT NULL AND {order_where}
),
per_buyer AS (
    SELECT ckey, any_value(member_group) AS member_group, any_value(tier) AS tier,
           count(*) AS n_orders, sum(gmv) AS gmv
    FROM valid GROUP BY ckey
),
buyers AS (
    SELECT CASE WHEN grouping(member_group) = 0 THEN 'member' ELSE 'tier' END AS level,
           coalesce(member_group, tier) AS grp,
           count(*) AS buyers, count(*) FILTER (WHERE n_orders >= 2) AS repeat_buyers,
           sum(gmv) AS gmv, sum(n_orders) AS orders
    FROM per_buyer
    GROUP BY GROUPING SETS ((member_group), (tier))
),
gaps AS (
    SELECT CASE WHEN grouping(member_group) = 0 THEN 'member' ELSE 'tier' END AS level,
           coalesce(member_group, tier) AS grp,
           median(date_diff('day', prev_order_date, order_date)) AS median_gap_days, count(*) AS gaps
    FROM valid
    WHERE prev_order_date IS NOT NULL
    GROUP BY GROUPING SETS ((member_group), (tier))
)
SELECT b.level, b.grp, b.buyers, b.repeat_buyers, b.gmv, b.orders, c.median_gap_days, coalesce(c.gaps, 0) AS gaps
FROM buyers b LEFT JOIN gaps c ON c.level = b.level AND c.grp = b.grp
ORDER BY b.level, b.grp
