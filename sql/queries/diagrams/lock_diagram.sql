-- name: LockDiagram :one
-- Locks a diagram row so concurrent saves take version numbers one at a time.
SELECT id, name, version FROM diagrams WHERE id = $1 FOR UPDATE
