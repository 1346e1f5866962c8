-- The sale events of the campaign calendar that change what a normal day looks like (big sales with their pre-sale
-- window, weekend flash sales), overlapping $first..$last. Member days recur every week, so the same-weekday baseline
-- already expects them; reactivation campaigns ("other") reach a few customers only.
-- Params: $first, $last, $kinds (list of campaign kinds).
SELECT campaign_id, kind, start_date, end_date, presale_start
FROM campaigns
WHERE list_contains($kinds, kind)
  AND start_date IS NOT NULL AND end_date IS NOT NULL AND end_date >= start_date
  AND coalesce(presale_start, start_date) <= $last AND end_date >= $first
ORDER BY start_date, campaign_id
