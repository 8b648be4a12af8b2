-- name: DbStatusHasStatements :one
-- Whether the pg_stat_statements extension is installed and readable here.
SELECT to_regclass('pg_stat_statements') IS NOT NULL AS available;
