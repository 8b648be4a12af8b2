-- name: AssetPools :many
-- The pools in which asset $1 holds active addresses.
SELECT DISTINCT pool_id FROM ip_allocations WHERE asset_id = $1 AND is_active
