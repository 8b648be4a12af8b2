-- name: RestPoolAvailableCount :one
-- How many addresses of pool $1 (active or not) are free, as text (IPv6 counts exceed 2^53).
SELECT greatest(s.total_addresses - s.excluded_count - s.active_count, 0)::text
         AS available_count
  FROM ip_pool_state s
 WHERE s.pool_id = $1
