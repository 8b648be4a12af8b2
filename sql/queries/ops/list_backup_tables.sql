-- name: ListBackupTables :many
-- ArchiFlow's tables (all of the schema but migration bookkeeping) with the tables each refers to,
-- by foreign key or by a reference kept by triggers (archiflow_kept_references()).
SELECT c.relname::text AS name,
       coalesce((SELECT array_agg(DISTINCT ref)
                   FROM (SELECT r.relname::text AS ref
                           FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
                          WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid
                         UNION ALL
                         SELECT kr.refers_to
                           FROM archiflow_kept_references() kr
                          WHERE kr.table_name = c.relname AND kr.refers_to <> kr.table_name) refs),
                '{}') AS refers_to
  FROM pg_class c
 WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace
   AND c.relname <> 'schema_migrations'
 ORDER BY c.relname;
