-- name: NbListSyncRuns :many
-- Recent sync runs, newest first.
SELECT id, mode, status, netbox_url, netbox_version, netbox_started_at, since, counts, errors,
       requests, started_at, finished_at, duration_ms
  FROM sync_runs
 ORDER BY started_at DESC, id DESC
 LIMIT $1
