-- Members vs non-members, and per membership tier, over the filtered range (<order_where> on the derived valid
-- orders o: dates, channels). A member has membership_tier other than 'none' (current tier: no tier history).
--   buyers          customers with a valid order in the range     repeat_buyers  those with 2+ valid orders
--   gmv, orders     of those valid orders
--   repurchase cycle: median days between consecutive valid orders of the same customer, over the pairs whose
--                   later order is in the range (the earlier one may be older); same-day reorders count as 0.
-- level 'member' rows group by member / non-member, level 'tier' rows by tier (one scan, GROUPING SETS).
WITH valid AS (
    SELECT o.ckey, o.gmv, o.order_date, o.prev_order_date
    FROM users_order_facts o
    WHERE o.ckey IS NOT NULL AND {order_where}
),
groups AS (
    SELECT ckey, CASE WHEN membership_tier = 'none' THEN 'non-member' ELSE 'member' END AS member_group,
           membership_tier AS tier
    FROM users_customer_keys
),
per_buyer AS (
    SELECT ckey, count(*) AS n_orders, sum(gmv) AS gmv FROM valid GROUP BY ckey
),
buyers AS (
    SELECT CASE WHEN grouping(g.member_group) = 0 THEN 'member' ELSE 'tier' END AS level,
           coalesce(g.member_group, g.tier) AS grp,
           count(*) AS buyers, count(*) FILTER (WHERE p.n_orders >= 2) AS repeat_buyers,
           sum(p.gmv) AS gmv, sum(p.n_orders) AS orders
    FROM per_buyer p JOIN groups g ON g.ckey = p.ckey
    GROUP BY GROUPING SETS ((g.member_group), (g.tier))
),
gaps AS (
    SELECT CASE WHEN grouping(g.member_group) = 0 THEN 'member' ELSE 'tier' END AS level,
           coalesce(g.member_group, g.tier) AS grp,
           median(date_diff('day', v.prev_order_date, v.order_date)) AS median_gap_days, count(*) AS gaps
    FROM valid v JOIN groups g ON g.ckey = v.ckey
    WHERE v.prev_order_date IS NOT NULL
    GROUP BY GROUPING SETS ((g.member_group), (g.tier))
)
SELECT b.level, b.grp, b.buyers, b.repeat_buyers, b.gmv, b.orders, c.median_gap_days, coalesce(c.gaps, 0) AS gaps
FROM buyers b LEFT JOIN gaps c ON c.level = b.level AND c.grp = b.grp
ORDER BY b.level, b.grp
