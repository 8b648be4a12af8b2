-- name: RestoreLinks :exec
-- Puts back the self-references of rows loaded by RestoreRows.
SELECT archiflow_backup_link($1::text::regclass, $2::jsonb);
