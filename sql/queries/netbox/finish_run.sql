-- name: NbFinishSyncRun :one
-- Closes a sync run with its outcome, counts, errors and duration.
UPDATE sync_runs SET status = $2, counts = $3::text::jsonb, errors = $4::text::jsonb, requests = $5,
       finished_at = now(),
       duration_ms = (extract(epoch FROM now() - started_at) * 1000)::integer
 WHERE id = $1
RETURNING id, mode, status, netbox_url, netbox_version, netbox_started_at, since, counts, errors,
          requests, started_at, finished_at, duration_ms
