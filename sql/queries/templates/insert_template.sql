-- name: InsertTemplate :one
-- Creates a diagram template.
INSERT INTO templates (name, description, category, xml_content, variables, created_by)
VALUES ($1, coalesce($2, ''), coalesce($3, 'network'), $4, $5::jsonb, $6)
RETURNING id, name, description, category, xml_content AS xml, variables, created_by, created_at,
          updated_at
