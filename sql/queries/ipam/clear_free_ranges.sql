-- name: ClearFreeRanges :exec
-- Removes every free range of pool $1 before they are rebuilt.
DELETE FROM ip_pool_free_ranges WHERE pool_id = $1::text
