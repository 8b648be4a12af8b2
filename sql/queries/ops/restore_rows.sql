-- name: RestoreRows :one
-- Inserts a JSON array of backed-up rows into a table and says how many went in.
SELECT archiflow_backup_load($1::text::regclass, $2::json) AS loaded;
