-- name: TruncateForRestore :exec
-- Empties the given tables and restarts their identities before a forced restore.
SELECT archiflow_backup_truncate($1::text[]);
