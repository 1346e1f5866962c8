-- Sessions, purchasing sessions and sessions without a day (month only). Placeholder: {session_where}.
SELECT count(*) AS sessions, count(*) FILTER (WHERE s.purchased) AS purchases,
       count(*) FILTER (WHERE s.day IS NULL) AS undated
FROM traffic_sessions s
WHERE {session_where}
