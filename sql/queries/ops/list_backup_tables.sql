-- name: ListBackupTables :many
-- The tables of a schema ($1: ArchiFlow's `archiflow`), but migration bookkeeping, with the
-- other tables each refers to by foreign key (a table's reference to itself is checked at commit).
SELECT c.relname::text AS name,
       coalesce((SELECT array_agg(DISTINCT r.relname::text)
                   FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
                  WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid),
                '{}') AS refers_to
  FROM pg_class c
 WHERE c.relkind IN ('r', 'p') AND c.relnamespace = $1::text::regnamespace
   AND c.relname <> 'schema_migrations'
 ORDER BY c.relname;
