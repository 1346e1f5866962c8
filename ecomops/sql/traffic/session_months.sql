-- Sessions and purchasing sessions per month label of the session data. Placeholder: {session_where}.
SELECT coalesce(s.month, strftime(s.day, '%b'), 'unknown') AS month, count(*) AS sessions,
       count(*) FILTER (WHERE s.purchased) AS purchases
FROM traffic_sessions s
WHERE {session_where}
GROUP BY 1
