-- name: UpdateTemplate :one
-- Changes the given fields of a template; absent ones keep their values. New XML ($5) comes
-- with its parsed diagram_json ($7).
UPDATE templates
   SET name = coalesce($2, name), description = coalesce($3, description),
       category = coalesce($4, category), template_xml = coalesce($5, template_xml),
       template_json = coalesce($7::jsonb, template_json),
       variables = coalesce($6::jsonb, variables)
 WHERE id = $1
RETURNING id, name, description, category, template_xml AS xml, variables, is_active, created_by,
          created_at, updated_at
