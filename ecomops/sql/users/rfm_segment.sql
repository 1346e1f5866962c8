-- The buyers of one RFM segment (biggest spenders first), with membership and signup channel.
-- <limit>: ' LIMIT $limit OFFSET $offset' for a page of the table, '' for the full download.
SELECT k.customer_id, r.segment, r.r_score, r.f_score, r.m_score, r.recency_days, r.frequency,
       round(r.monetary, 2) AS monetary, r.first_order_date, r.last_order_date,
       k.membership_tier, k.signup_channel
FROM users_rfm_scores r JOIN users_customer_keys k ON k.ckey = r.ckey
WHERE r.as_of = $as_of AND r.segment = $segment
ORDER BY r.monetary DESC, k.customer_id{limit}
