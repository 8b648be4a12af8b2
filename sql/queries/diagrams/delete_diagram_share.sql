-- name: DeleteDiagramShare :one
-- Stops sharing a diagram with a user; no row when it was not shared with them.
DELETE FROM diagram_shares WHERE diagram_id = $1 AND user_name = $2
RETURNING diagram_id, user_name, can_write, created_by, created_at
