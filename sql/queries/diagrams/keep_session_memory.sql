-- name: KeepSessionMemory :exec
-- Sent before a statement carrying diagram content, on PostgreSQL (see migration 0130).
SELECT archiflow_keep_session_memory()
