-- name: CountDiagrams :one
-- How many diagrams match the list filters (for a page past the end, which carries no total),
-- counting only those the caller ($5, ACL on when $6, admin when $7) may see.
SELECT count(*)::int AS total
  FROM diagrams d
 WHERE ($1::text IS NULL OR $1 = ANY (d.tags))
   AND ($2::text IS NULL OR d.site = $2)
   AND ($3::text IS NULL OR d.created_by = $3)
   AND ($4::text IS NULL OR d.name ILIKE '%' || $4 || '%' OR d.description ILIKE '%' || $4 || '%')
   AND (NOT $6::boolean OR $7::boolean OR d.created_by = $5::text
        OR EXISTS (SELECT 1 FROM diagram_shares s
                    WHERE s.diagram_id = d.id AND s.user_name = $5::text))
