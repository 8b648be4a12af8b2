-- name: ListBackupTables :many
-- ArchiFlow's tables (all of the schema but migration bookkeeping) with the tables each refers to.
SELECT c.relname::text AS name,
       coalesce((SELECT array_agg(DISTINCT r.relname::text)
                   FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
                  WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid),
                '{}') AS refers_to
  FROM pg_class c
 WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace
   AND c.relname <> 'schema_migrations'
 ORDER BY c.relname;
