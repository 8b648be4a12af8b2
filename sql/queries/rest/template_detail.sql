-- name: RestTemplateDetail :many
-- Base rows of /api/templates/{id}/: templates with their XML.
SELECT id, name, description, category, variables, created_by, created_at, updated_at,
       xml_content
  FROM templates
