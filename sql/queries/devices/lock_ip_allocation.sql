-- name: LockIpAllocation :one
-- Allocation $1 locked for an edit of its descriptive fields.
SELECT id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
       mac_address::text AS mac_address, hostname, notes, allocated_by, allocated_at,
       released_at, released_by, is_active
  FROM ip_allocations WHERE id = $1 FOR UPDATE
