-- name: MarkRangesStale :exec
-- Marks the free ranges of pools $1 for a rebuild (they disagreed with the allocations).
UPDATE ip_pool_state SET ranges_ready = false WHERE pool_id = ANY($1::text[])
