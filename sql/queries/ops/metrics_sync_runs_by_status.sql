-- name: MetricsSyncRunsByStatus :many
-- NetBox sync runs counted by status for /metrics (only run when the table has a status).
SELECT status::text AS status, count(*)::int AS runs
  FROM sync_runs
 GROUP BY status;
