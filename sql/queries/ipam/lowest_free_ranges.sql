-- name: LowestFreeRanges :many
-- The $2 lowest free ranges of pool $1.
SELECT host(first_ip) AS first_ip, host(last_ip) AS last_ip
  FROM ip_pool_free_ranges WHERE pool_id = $1 ORDER BY first_ip LIMIT $2
