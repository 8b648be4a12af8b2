-- name: NbExpireAbandonedSyncRuns :exec
-- Marks as failed the runs still "running" after $2 seconds (their process died).
UPDATE sync_runs
   SET status = 'failed', finished_at = now(),
       errors = errors || jsonb_build_array(jsonb_build_object(
         'stage', 'run', 'message', 'abandoned: the process running it stopped'))
 WHERE status = 'running' AND netbox_url = $1
   AND started_at < now() - make_interval(secs => $2)
