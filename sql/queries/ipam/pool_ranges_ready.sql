-- name: PoolRangesReady :one
-- Whether pool $1 exists and its free ranges are current.
SELECT s.ranges_ready FROM ip_pool_state s WHERE s.pool_id = $1::text
