-- name: NbSyncSweepSites :many
-- Deletes the NetBox sites whose NetBox id is no longer listed in $1 (mark and sweep).
DELETE FROM sites t
 WHERE t.netbox_id IS NOT NULL AND NOT t.netbox_id = ANY ($1::integer[])
RETURNING t.id, t.netbox_id, to_jsonb(t) AS row
