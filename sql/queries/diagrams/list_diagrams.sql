-- name: ListDiagrams :many
-- Diagrams without their content, newest first, with the total count for paging.
SELECT id, name, description, version, tags, metadata, site, created_by, updated_by, created_at,
       updated_at, (diagram_json -> 'stats') AS stats, count(*) OVER () AS total
  FROM diagrams
 WHERE ($1::text IS NULL OR $1 = ANY (tags))
   AND ($2::text IS NULL OR site = $2)
   AND ($3::text IS NULL OR created_by = $3)
   AND ($4::text IS NULL OR name ILIKE '%' || $4 || '%' OR description ILIKE '%' || $4 || '%')
 ORDER BY updated_at DESC, id DESC
 LIMIT $5 OFFSET $6
