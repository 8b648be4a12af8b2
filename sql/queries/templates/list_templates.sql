-- name: ListTemplates :many
-- Templates without their XML, by name, filtered by category and text, with the total count.
SELECT id, name, description, category, variables, is_active, created_by, created_at, updated_at,
       count(*) OVER () AS total
  FROM templates
 WHERE ($1::text IS NULL OR category = $1)
   AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%' OR description ILIKE '%' || $2 || '%')
 ORDER BY name, id
 LIMIT $3 OFFSET $4
