-- name: BackupSnapshot :exec
-- Makes the surrounding transaction a read-only snapshot so every table is read at one instant.
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;
