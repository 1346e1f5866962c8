-- Reactivation outreach sent in the $lookback days up to the period end: treatment vs control conversion
-- (converted on or before the period end), and conversions that happened inside the period.
-- Params: $start, $end, $lookback.
SELECT r.arm,
       count(*) AS sent,
       count(*) FILTER (WHERE r.converted AND (r.converted_date IS NULL OR r.converted_date <= $end)) AS converted,
       count(*) FILTER (WHERE r.converted AND r.converted_date BETWEEN $start AND $end) AS converted_in_period,
       min(r.sent_date) AS first_sent, max(r.sent_date) AS last_sent
FROM reactivation_outreach r
WHERE r.sent_date BETWEEN CAST($end AS DATE) - CAST($lookback AS INTEGER) AND $end
GROUP BY r.arm
ORDER BY r.arm DESC
