-- name: FreeRangesAt :many
-- For each (pool $1[i], address $2[i]), the free range of that pool starting at or below the
-- address (it may end before it).
SELECT DISTINCT x.pool_id, host(r.first_ip) AS first_ip, host(r.last_ip) AS last_ip
  FROM unnest($1::text[], $2::inet[]) AS x(pool_id, ip),
       LATERAL (SELECT first_ip, last_ip FROM ip_pool_free_ranges
                 WHERE pool_id = x.pool_id AND first_ip <= x.ip ORDER BY first_ip DESC LIMIT 1) r
