-- name: AssetPools :many
-- The pools in which asset $1 holds active addresses ('' is no asset and holds none).
SELECT DISTINCT pool_id FROM ip_allocations WHERE asset_id = $1::text AND $1::text <> '' AND is_active
