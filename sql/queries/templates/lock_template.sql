-- name: LockTemplate :one
-- One template, locked for an update or delete, as it was before the change.
SELECT id, name, description, category, template_xml AS xml, variables, is_active, created_by,
       created_at, updated_at
  FROM templates WHERE id = $1 FOR UPDATE
