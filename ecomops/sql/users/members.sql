-- Members vs non-members, and per membership tier, over the filtered range (<order_where> on the derived valid
-- orders o: dates, channels). A member has membership_tier other than 'none' (current tier: no tier history).
--   buyers          customers with a valid order in the range     repeat_buyers  those with 2+ valid orders
--   gmv, orders     of those valid orders
--   repurchase cycle: median days between consecutive valid orders of the same customer, over the pairs whose
--                   later order is in the range (the earlier one may be older); same-day reorders count as 0.
--                   Exact, from the histogram of whole-day gaps (no sort of every gap).
-- level 'member' rows group by member / non-member, level 'tier' rows by tier (one scan, GROUPING SETS).
-- <buyers>: users/members_buyers_chained (dates only: each buyer counted at their first order in the range) or
-- users/members_buyers_grouped (channels chosen: the orders grouped per buyer); ecomops/users/cohorts.py chooses.
WITH valid AS (
    SELECT o.ckey, o.gmv, o.order_date, o.prev_order_date, o.next_order_date, o.membership_tier AS tier,
           CASE WHEN o.membership_tier = 'none' THEN 'non-member' ELSE 'member' END AS member_group
    FROM users_order_facts o
    WHERE o.ckey IS NOT NULL AND {order_where}
),
buyers AS ({buyers}),
gap_counts AS (  -- the gaps as a histogram (whole days): the median is read from it, not from a sort of every gap
    SELECT member_group, tier, date_diff('day', prev_order_date, order_date) AS gap, count(*) AS n
    FROM valid
    WHERE prev_order_date IS NOT NULL
    GROUP BY member_group, tier, date_diff('day', prev_order_date, order_date)
),
gap_histogram AS (
    SELECT CASE WHEN grouping(member_group) = 0 THEN 'member' ELSE 'tier' END AS level,
           coalesce(member_group, tier) AS grp, gap, sum(n) AS n
    FROM gap_counts
    GROUP BY GROUPING SETS ((member_group, gap), (tier, gap))
),
gap_ranks AS (
    SELECT level, grp, gap,
           sum(n) OVER (PARTITION BY level, grp ORDER BY gap) AS through_rank,
           sum(n) OVER (PARTITION BY level, grp) AS total
    FROM gap_histogram
),
gaps AS (  -- the median as median() gives it: the mean of the two middle gaps (ranks floor/ceil((N-1)/2) + 1)
    SELECT level, grp,
           (min(gap) FILTER (WHERE through_rank >= floor((total - 1) / 2) + 1)
            + min(gap) FILTER (WHERE through_rank >= ceil((total - 1) / 2) + 1)) / 2 AS median_gap_days,
           max(total) AS gaps
    FROM gap_ranks
    GROUP BY level, grp
)
SELECT b.level, b.grp, b.buyers, b.repeat_buyers, b.gmv, b.orders, c.median_gap_days, coalesce(c.gaps, 0) AS gaps
FROM buyers b LEFT JOIN gaps c ON c.level = b.level AND c.grp = b.grp
ORDER BY b.level, b.grp
