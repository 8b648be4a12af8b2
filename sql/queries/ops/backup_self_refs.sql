-- name: BackupSelfRefs :one
-- Columns of a table that refer to the same table (loaded in a second step).
SELECT archiflow_backup_self_refs($1::text::regclass) AS columns;
