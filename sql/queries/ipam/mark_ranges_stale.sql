-- name: MarkRangesStale :exec
-- Marks pool $1's free ranges for a rebuild (they disagreed with its allocations).
UPDATE ip_pool_state SET ranges_ready = false WHERE pool_id = $1
