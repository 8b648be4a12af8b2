-- name: BackupRows :many
-- One page of a table's rows as JSON text, in a stable order.
SELECT archiflow_backup_rows($1::text::regclass, $2, $3) AS row;
