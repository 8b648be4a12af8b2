-- name: CountAssetAllocations :one
-- How many active IP allocations asset $1 holds.
SELECT count(*)::int AS active FROM ip_allocations WHERE asset_id = $1 AND is_active
