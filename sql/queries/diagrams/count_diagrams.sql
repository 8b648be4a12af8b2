-- name: CountDiagrams :one
-- How many diagrams match the list filters (for a page past the end, which carries no total).
SELECT count(*)::int AS total
  FROM diagrams d
 WHERE ($1::text IS NULL OR $1 = ANY (d.tags))
   AND ($2::text IS NULL OR d.site = $2)
   AND ($3::text IS NULL OR d.created_by = $3)
   AND ($4::text IS NULL OR d.name ILIKE '%' || $4 || '%' OR d.description ILIKE '%' || $4 || '%')
   AND diagram_access(d.created_by, d.id, $5::text, $6::boolean, $7::boolean) IS NOT NULL
