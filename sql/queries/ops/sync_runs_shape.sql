-- name: SyncRunsShape :one
-- Whether a sync_runs table exists and has a status column, so metrics can count sync runs.
SELECT to_regclass('archiflow.sync_runs') IS NOT NULL AS present,
       EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = 'archiflow' AND table_name = 'sync_runs'
                  AND column_name = 'status') AS has_status;
