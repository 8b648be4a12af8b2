-- name: ListDiagrams :many
-- Diagrams without their content, newest first, with the total count for paging.
SELECT d.id, d.name, d.description, d.version, d.tags, d.metadata, d.site, d.created_by,
       d.updated_by, d.created_at, d.updated_at, d.stats,
       (SELECT v.version FROM diagram_versions v
         WHERE v.diagram_id = d.id AND v.is_published) AS published_version,
       count(*) OVER () AS total
  FROM diagrams d
 WHERE ($1::text IS NULL OR $1 = ANY (d.tags))
   AND ($2::text IS NULL OR d.site = $2)
   AND ($3::text IS NULL OR d.created_by = $3)
   AND ($4::text IS NULL OR d.name ILIKE '%' || $4 || '%' OR d.description ILIKE '%' || $4 || '%')
 AND diagram_access(d.created_by, d.id, $7::text, $8::boolean, $9::boolean) IS NOT NULL
 ORDER BY d.updated_at DESC, d.id DESC
 LIMIT $5 OFFSET $6
