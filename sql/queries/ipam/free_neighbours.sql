-- name: FreeNeighbours :many
-- Free ranges of pool $1 that end at one of $2 or start at one of $3 (neighbours to merge with);
-- both found through the primary key.
SELECT host(r.first_ip) AS first_ip, host(r.last_ip) AS last_ip
  FROM unnest($2::inet[]) AS x(ip),
       LATERAL (SELECT first_ip, last_ip FROM ip_pool_free_ranges
                 WHERE pool_id = $1::text AND first_ip <= x.ip ORDER BY first_ip DESC LIMIT 1) r
 WHERE r.last_ip = x.ip
UNION
SELECT host(first_ip), host(last_ip)
  FROM ip_pool_free_ranges WHERE pool_id = $1::text AND first_ip = ANY($3::inet[])
