-- name: FreeRangesPage :many
-- Pool $1's free ranges in address order, after range start $2 (NULL: from the lowest), $3 at most.
SELECT host(first_ip) AS first_ip, host(last_ip) AS last_ip
  FROM ip_pool_free_ranges
 WHERE pool_id = $1::text AND ($2::inet IS NULL OR first_ip > $2::inet)
 ORDER BY first_ip
 LIMIT $3
