-- name: DbStatusSlowestStatements :many
-- The statements with the highest mean execution time (pg_stat_statements), top $1.
SELECT left(query, 300) AS query, calls::bigint AS calls,
       round(mean_exec_time::numeric, 3)::float8 AS mean_ms,
       round(total_exec_time::numeric, 3)::float8 AS total_ms, rows::bigint AS rows
  FROM pg_stat_statements
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
 ORDER BY mean_exec_time DESC
 LIMIT $1;
