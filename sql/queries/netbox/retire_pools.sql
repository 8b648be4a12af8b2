-- name: NbSyncRetirePools :many
-- Deactivates pools whose prefix left NetBox or the selection; allocations stay as history.
UPDATE ip_pools p SET is_active = false
 WHERE p.netbox_prefix_id IS NOT NULL AND p.is_active
   AND NOT EXISTS (SELECT 1 FROM netbox_prefixes x
                    WHERE x.netbox_id = p.netbox_prefix_id AND x.selected)
RETURNING p.id, p.netbox_prefix_id AS netbox_id, to_jsonb(p) AS row
