-- name: FreeRangesAt :many
-- For each address in $2, the free range of pool $1 that starts at or below it (may end before it).
SELECT DISTINCT host(r.first_ip) AS first_ip, host(r.last_ip) AS last_ip
  FROM unnest($2::inet[]) AS x(ip),
       LATERAL (SELECT first_ip, last_ip FROM ip_pool_free_ranges
                 WHERE pool_id = $1 AND first_ip <= x.ip ORDER BY first_ip DESC LIMIT 1) r
