-- name: NbStartSyncRun :one
-- Opens a sync run record.
INSERT INTO sync_runs (mode, netbox_url, netbox_version, netbox_started_at, since)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, mode, status, started_at
