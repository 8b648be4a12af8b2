-- name: GetAllocations :many
-- Allocations by id, in id order.
SELECT id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
       mac_address::text AS mac_address, hostname, notes, allocated_by, allocated_at,
       released_at, released_by, is_active
  FROM ip_allocations WHERE id = ANY($1::int[]) ORDER BY id
