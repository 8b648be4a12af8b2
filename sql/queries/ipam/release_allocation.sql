-- name: ReleaseAllocation :one
-- Releases the active allocation of address $2 in pool $1, keeping the row as history.
UPDATE ip_allocations
   SET is_active = false, released_at = now(), released_by = $3
 WHERE pool_id = $1::text AND ip_address = $2::inet AND is_active
RETURNING id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
          mac_address::text AS mac_address, hostname, notes, allocated_by, allocated_at,
          released_at, released_by, is_active
