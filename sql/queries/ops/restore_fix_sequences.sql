-- name: RestoreFixSequences :one
-- Moves identity sequences past the restored ids so new rows do not collide.
SELECT archiflow_backup_fix_sequences() AS fixed;
