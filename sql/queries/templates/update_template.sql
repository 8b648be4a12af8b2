-- name: UpdateTemplate :one
-- Changes the given fields of a template; absent ones keep their values.
UPDATE templates
   SET name = coalesce($2, name), description = coalesce($3, description),
       category = coalesce($4, category), xml_content = coalesce($5, xml_content),
       variables = coalesce($6::jsonb, variables)
 WHERE id = $1
RETURNING id, name, description, category, xml_content AS xml, variables, created_by, created_at,
          updated_at
