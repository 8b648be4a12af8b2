-- name: RestPoolAvailableCount :one
-- How many addresses of pool $1 are free, as text (IPv6 counts exceed 2^53).
SELECT available_count::text AS available_count FROM ip_pool_usage WHERE id = $1
