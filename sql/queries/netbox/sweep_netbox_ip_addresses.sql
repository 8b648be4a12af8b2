-- name: NbSyncSweepIpAddresses :many
-- Deletes the NetBox IP address mirrors whose NetBox id is no longer listed in $1 (mark and sweep).
DELETE FROM netbox_ip_addresses t
 WHERE t.netbox_id IS NOT NULL AND NOT t.netbox_id = ANY ($1::integer[])
RETURNING t.netbox_id AS id, t.netbox_id, to_jsonb(t) AS row
