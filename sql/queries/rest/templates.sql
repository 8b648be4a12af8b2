-- name: RestTemplates :many
-- Base rows of /api/templates/: diagram templates without their XML.
SELECT id, name, description, category, variables, created_by, created_at, updated_at
  FROM templates
