-- name: TableHasRows :one
-- Whether a table holds any row (restore refuses a database that is not empty).
SELECT count(*) > 0 AS has_rows FROM archiflow_backup_rows($1::text::regclass, 0, 1);
