-- name: MetricsStatements :one
-- Statement timings of this database from pg_stat_statements (only run where it is installed;
-- read without query texts, which it keeps in a file): calls and execution time in total, how
-- many statements average over $1 milliseconds, and the highest average.
SELECT coalesce(sum(calls), 0)::float8 AS calls,
       coalesce(sum(total_exec_time), 0)::float8 / 1000 AS seconds,
       count(*) FILTER (WHERE mean_exec_time > $1::float8)::int AS slow,
       coalesce(max(mean_exec_time), 0)::float8 / 1000 AS slowest_mean_seconds
  FROM pg_stat_statements(false)
 WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database());
