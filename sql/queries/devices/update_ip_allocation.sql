-- name: UpdateIpAllocation :one
-- Rewrites the descriptive fields of allocation $1; never its address or pool ('' = no asset).
UPDATE ip_allocations
   SET notes = $2, hostname = $3, mac_address = $4::macaddr, device_name = $5,
       asset_id = coalesce($6, ''), device_type = $7
 WHERE id = $1
RETURNING id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
          mac_address::text AS mac_address, hostname, notes, allocated_by, allocated_at,
          released_at, released_by, is_active
