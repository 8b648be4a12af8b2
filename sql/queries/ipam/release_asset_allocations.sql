-- name: ReleaseAssetAllocations :many
-- Releases every active allocation of asset $1 in the (locked) pools $2, keeping history.
UPDATE ip_allocations
   SET is_active = false, released_at = now(), released_by = $3
 WHERE asset_id = $1::text AND $1::text <> '' AND pool_id = ANY($2::text[]) AND is_active
RETURNING id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
          mac_address::text AS mac_address, hostname, notes, allocated_by, allocated_at,
          released_at, released_by, is_active
