-- name: MetricsScrape :one
-- Everything /metrics reads from the database, in one statement: pool usage (the document's
-- ip_pool_usage, which holds active pools), open alerts, sync runs, the NetBox outbox's queue,
-- and PostgreSQL's own figures (connections, lock waits, the longest running statement, block
-- cache, deadlocks). pg_stat_statements is only looked for here, since it may not exist.
WITH activity AS MATERIALIZED (
  SELECT pid, state, backend_type, query_start, datname = current_database() AS here
    FROM pg_stat_activity
)
SELECT
  (SELECT coalesce(json_agg(json_build_object(
            'name', pool_name,
            'allocated', allocated_count::float8,
            'usable', usable_addresses::float8,
            'usage', (usage_percentage / 100)::float8) ORDER BY pool_name, pool_id), '[]'::json)
     FROM ip_pool_usage) AS pools,
  (SELECT coalesce(json_agg(json_build_object('type', alert_type, 'severity', severity,
                                              'open', open) ORDER BY alert_type, severity),
                   '[]'::json)
     FROM (SELECT alert_type, severity, count(*)::int AS open
             FROM alerts
            WHERE NOT resolved
            GROUP BY alert_type, severity) a) AS alerts,
  (SELECT coalesce(json_object_agg(status, runs), '{}'::json)
     FROM (SELECT status, count(*)::int AS runs FROM sync_runs GROUP BY status) s) AS sync_runs,
  (SELECT count(*)::int FROM netbox_outbox WHERE status = 'pending') AS outbox_pending,
  (SELECT extract(epoch FROM now() - min(created_at))::float8
     FROM netbox_outbox
    WHERE status = 'pending') AS outbox_oldest_pending_seconds,
  -- Sessions of other roles show no state without pg_read_all_stats: counted as unknown.
  (SELECT coalesce(json_object_agg(state, n), '{}'::json)
     FROM (SELECT coalesce(state, 'unknown') AS state, count(*)::int AS n
             FROM activity
            WHERE here AND backend_type = 'client backend'
            GROUP BY 1) c) AS connections,
  (SELECT count(*)::int FROM activity WHERE backend_type = 'client backend')
    AS server_connections,
  current_setting('max_connections')::int AS max_connections,
  -- Row locks are waited for on transaction ids, which belong to no database: the waiting
  -- session's database decides.
  (SELECT count(DISTINCT l.pid)::int
     FROM pg_locks l JOIN activity a ON a.pid = l.pid
    WHERE NOT l.granted AND a.here) AS lock_waits,
  (SELECT coalesce(max(extract(epoch FROM now() - l.waitstart)), 0)::float8
     FROM pg_locks l JOIN activity a ON a.pid = l.pid
    WHERE NOT l.granted AND a.here) AS lock_wait_max_seconds,
  (SELECT coalesce(max(extract(epoch FROM now() - query_start)), 0)::float8
     FROM activity
    WHERE here AND state = 'active' AND pid <> pg_backend_pid()) AS longest_statement_seconds,
  d.blks_hit::float8 AS blocks_hit,
  d.blks_read::float8 AS blocks_read,
  d.deadlocks::float8 AS deadlocks,
  to_regprocedure('pg_stat_statements(boolean)') IS NOT NULL AS has_statements
  FROM pg_stat_database d
 WHERE d.datname = current_database();
