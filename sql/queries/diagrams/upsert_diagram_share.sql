-- name: UpsertDiagramShare :one
-- Shares a diagram with a user (or changes whether they may write it).
INSERT INTO diagram_shares (diagram_id, user_name, can_write, created_by)
VALUES ($1, $2, $3, $4)
ON CONFLICT (diagram_id, user_name) DO UPDATE SET can_write = excluded.can_write
RETURNING diagram_id, user_name, can_write, created_by, created_at
