-- name: InsertTemplate :one
-- Creates a diagram template under the id the client chose ($1), with its XML ($5) and that
-- XML's parsed diagram_json ($7). No row when the id is taken.
INSERT INTO templates (id, name, description, category, template_xml, variables, template_json,
                       created_by)
VALUES ($1, $2, coalesce($3, ''), coalesce($4, 'network'), $5, $6::jsonb, $7::jsonb, $8)
ON CONFLICT (id) DO NOTHING
RETURNING id, name, description, category, template_xml AS xml, variables, is_active, created_by,
          created_at, updated_at
