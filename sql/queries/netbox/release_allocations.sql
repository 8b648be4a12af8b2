-- name: NbSyncReleaseAllocations :many
-- Releases mirrored allocations whose NetBox address is gone or left every pool.
UPDATE ip_allocations l SET is_active = false, released_at = now(), released_by = 'netbox-sync'
 WHERE l.netbox_id IS NOT NULL AND l.is_active
   AND (NOT EXISTS (SELECT 1 FROM netbox_ip_addresses x WHERE x.netbox_id = l.netbox_id)
        OR NOT EXISTS (SELECT 1 FROM ip_pools p WHERE p.id = l.pool_id AND p.is_active))
RETURNING l.id, l.netbox_id, to_jsonb(l) AS row, l.pool_id
