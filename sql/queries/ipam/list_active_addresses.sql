-- name: ListActiveAddresses :many
-- Every active address of pool $1 (used only when its free ranges are rebuilt).
SELECT host(ip_address) AS ip_address FROM ip_allocations WHERE pool_id = $1::text AND is_active
