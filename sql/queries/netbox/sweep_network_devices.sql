-- name: NbSyncSweepDevices :many
-- plan: per call
-- Deletes the NetBox devices whose NetBox id is no longer listed in $1 (mark and sweep).
DELETE FROM network_devices t
 WHERE t.netbox_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM unnest($1::integer[]) AS present (id) WHERE present.id = t.netbox_id)
RETURNING t.asset_id AS id, t.netbox_id, to_jsonb(t) AS row
