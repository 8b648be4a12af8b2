-- name: InsertAllocation :one
-- Records an active allocation of one address.
INSERT INTO ip_allocations (pool_id, ip_address, asset_id, device_name, device_type, mac_address,
                            hostname, description, allocated_by)
VALUES ($1, $2::inet, $3, $4, $5, $6::macaddr, $7, coalesce($8, ''), $9)
RETURNING id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
          mac_address::text AS mac_address, hostname, description, allocated_by, allocated_at,
          released_at, released_by, is_active
