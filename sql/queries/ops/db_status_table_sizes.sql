-- name: DbStatusTableSizes :many
-- Size on disk (table, indexes, total) and row estimates of each table of ArchiFlow's schema,
-- largest first (none before the schema exists).
SELECT c.relname::text AS table_name,
       pg_total_relation_size(c.oid)::bigint AS total_bytes,
       pg_relation_size(c.oid)::bigint AS table_bytes,
       pg_indexes_size(c.oid)::bigint AS index_bytes,
       coalesce(s.n_live_tup, 0)::bigint AS live_rows,
       coalesce(s.n_dead_tup, 0)::bigint AS dead_rows
  FROM pg_class c
  LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
 WHERE c.relkind = 'r' AND c.relnamespace = to_regnamespace('archiflow')
 ORDER BY pg_total_relation_size(c.oid) DESC, c.relname;
