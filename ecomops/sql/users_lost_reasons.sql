-- Survey answers (customer_surveys, answered on or before $as_of) by reason and by the answering customer's
-- lifecycle state as of $as_of (<lifecycle>); customers unknown to the order history count as 'other'.
WITH lc AS ({lifecycle})
SELECT s.reason,
       count(*) FILTER (WHERE lc.segment = 'lost') AS lost,
       count(*) FILTER (WHERE lc.segment = 'dormant') AS dormant,
       count(*) AS responses
FROM customer_surveys s
LEFT JOIN users_customer_keys k ON k.customer_id = s.customer_id
LEFT JOIN lc ON lc.ckey = k.ckey
WHERE s.response_date <= $as_of
GROUP BY s.reason
ORDER BY lost DESC, responses DESC, s.reason
