-- name: RestoreFixSequences :one
-- Moves identity sequences, and those of generated text ids ("pool-7"), past the restored ids
-- so new rows do not collide.
SELECT archiflow_backup_fix_sequences() AS fixed;
