-- name: MaintenanceTableStats :many
-- Live and dead rows and the last vacuum and analyze of every table of ArchiFlow's schema, for
-- maintenance reports.
SELECT relname::text AS table_name, n_live_tup::bigint AS live_rows, n_dead_tup::bigint AS dead_rows,
       greatest(last_vacuum, last_autovacuum) AS last_vacuum,
       greatest(last_analyze, last_autoanalyze) AS last_analyze
  FROM pg_stat_user_tables
 WHERE schemaname = 'archiflow'
 ORDER BY relname;
