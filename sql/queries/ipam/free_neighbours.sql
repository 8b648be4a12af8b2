-- name: FreeNeighbours :many
-- Free ranges of pool $1 that end at one of $2 or start at one of $3 (neighbours to merge with).
SELECT host(first_ip) AS first_ip, host(last_ip) AS last_ip
  FROM ip_pool_free_ranges
 WHERE pool_id = $1 AND (last_ip = ANY($2::inet[]) OR first_ip = ANY($3::inet[]))
