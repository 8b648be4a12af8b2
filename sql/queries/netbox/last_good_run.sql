-- name: NbLastGoodSyncRun :one
-- The latest successful sync run against a NetBox URL, whose start bounds the next incremental.
SELECT id, mode, netbox_started_at, started_at
  FROM sync_runs
 WHERE status = 'succeeded' AND netbox_url = $1
 ORDER BY started_at DESC
 LIMIT 1
