-- name: DeleteDiagram :one
-- Deletes a diagram and (by cascade) its versions, shares and links; returns what was deleted.
DELETE FROM diagrams
 WHERE id = $1
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
