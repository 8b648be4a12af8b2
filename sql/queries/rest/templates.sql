-- name: RestTemplates :many
-- Base rows of /api/templates/: diagram templates without their content.
SELECT id, name, description, category, variables, is_active, created_by, created_at,
       updated_at
  FROM templates
