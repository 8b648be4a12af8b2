-- name: LowestFreeRanges :many
-- For each pool in $1, its lowest free ranges, as many as the matching element of $2.
SELECT x.pool_id, host(r.first_ip) AS first_ip, host(r.last_ip) AS last_ip
  FROM unnest($1::text[], $2::int[]) AS x(pool_id, n),
       LATERAL (SELECT first_ip, last_ip FROM ip_pool_free_ranges
                 WHERE pool_id = x.pool_id ORDER BY first_ip LIMIT x.n) r
