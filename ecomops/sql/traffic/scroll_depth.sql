-- Scroll depth of detail pages: one row per device ("all" = every device together) and screen, with the share of
-- the first screen's visitors who reach the screen, the share who leave after it (the screen's visitors minus the
-- next screen's; all remaining visitors leave after the last), and the screen most visitors leave after
-- (biggest_exit; the last screen counts only when it is the only one, ties go to the earlier screen).
-- {date_where}: filter on s.day from ecomops.filters.where.
WITH by_screen AS (
    SELECT coalesce(s.device, 'all') AS device, s.screen, sum(s.visitors) AS visitors
    FROM scroll_depth s
    WHERE {date_where}
    GROUP BY GROUPING SETS ((s.device, s.screen), (s.screen))
), shares AS (
    SELECT device, screen, visitors,
           CAST(visitors AS DOUBLE) / nullif(first_value(visitors) OVER screens, 0) AS reach_share,
           CAST(visitors - coalesce(lead(visitors) OVER screens, 0) AS DOUBLE)
               / nullif(first_value(visitors) OVER screens, 0) AS leave_share,
           row_number() OVER screens AS position,
           count(*) OVER (PARTITION BY device) AS screens
    FROM by_screen
    WINDOW screens AS (PARTITION BY device ORDER BY screen)
), candidates AS (
    SELECT *, (position < screens OR screens = 1) AND leave_share IS NOT NULL AS exit_candidate
    FROM shares
)
SELECT device, screen, visitors, reach_share, leave_share,
       exit_candidate AND position = first_value(position) OVER (
           PARTITION BY device ORDER BY exit_candidate DESC, leave_share DESC, position) AS biggest_exit
FROM candidates
ORDER BY device <> 'all', device, screen
