-- name: DeleteTemplate :one
-- Deletes a template; diagrams made from it are not affected.
DELETE FROM templates WHERE id = $1
RETURNING id, name, description, category, variables, is_active, created_by, created_at,
          updated_at
