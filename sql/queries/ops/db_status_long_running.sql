-- name: DbStatusLongRunning :many
-- Statements of this database running longer than $1 seconds (this one excluded), longest first.
SELECT pid, state, usename::text AS user_name, application_name,
       extract(epoch FROM now() - query_start)::float8 AS seconds,
       left(query, 300) AS query
  FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()
   AND state <> 'idle' AND query_start < now() - make_interval(secs => $1::float8)
 ORDER BY query_start
 LIMIT 50;
