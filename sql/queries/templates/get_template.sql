-- name: GetTemplate :one
-- One template with its XML and variables.
SELECT id, name, description, category, template_xml AS xml, variables, is_active, created_by,
       created_at, updated_at
  FROM templates WHERE id = $1
