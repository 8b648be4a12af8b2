-- name: RestIpAllocations :many
-- Base rows of /api/ip-allocations/: active and released allocations ('' asset_id: no asset).
SELECT id, pool_id, ip_address, asset_id, device_name, device_type,
       mac_address::text AS mac_address, hostname, notes, allocated_by, allocated_at,
       released_at, released_by, is_active
  FROM ip_allocations
