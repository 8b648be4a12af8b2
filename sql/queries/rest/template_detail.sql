-- name: RestTemplateDetail :many
-- Base rows of /api/templates/{id}/: templates with their XML and its diagram_json.
SELECT id, name, description, category, variables, is_active, created_by, created_at,
       updated_at, template_xml, template_json
  FROM templates
