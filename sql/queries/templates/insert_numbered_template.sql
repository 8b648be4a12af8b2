-- name: InsertNumberedTemplate :one
-- Creates a template as InsertTemplate does, its id ("template-3") made by the column's
-- default. No row when that id was already chosen by a client: the caller tries again.
INSERT INTO templates (name, description, category, template_xml, variables, template_json,
                       created_by)
VALUES ($1, coalesce($2, ''), coalesce($3, 'network'), $4, $5::jsonb, $6::jsonb, $7)
ON CONFLICT (id) DO NOTHING
RETURNING id, name, description, category, template_xml AS xml, variables, is_active, created_by,
          created_at, updated_at
