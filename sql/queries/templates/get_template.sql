-- name: GetTemplate :one
-- One template with its XML and variables.
SELECT id, name, description, category, xml_content AS xml, variables, created_by, created_at,
       updated_at
  FROM templates WHERE id = $1
