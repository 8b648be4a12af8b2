-- name: MetricsSyncRunsTotal :one
-- All NetBox sync runs for /metrics (when the table has no status column).
SELECT count(*)::int AS runs FROM sync_runs;
