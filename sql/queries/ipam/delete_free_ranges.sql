-- name: DeleteFreeRanges :exec
-- Removes the free ranges of pool $1 that start at one of $2.
DELETE FROM ip_pool_free_ranges WHERE pool_id = $1 AND first_ip = ANY($2::inet[])
