-- name: ListDiagrams :many
-- Diagrams without their content, newest first, with the total count for paging; only those
-- the caller ($7, ACL on when $8, admin when $9) may see.
SELECT d.id, d.name, d.description, d.version, d.tags, d.metadata, d.site, d.created_by,
       d.updated_by, d.created_at, d.updated_at, d.stats,
       (SELECT v.version_number FROM diagram_versions v
         WHERE v.diagram_id = d.id AND v.is_published) AS published_version,
       count(*) OVER () AS total
  FROM diagrams d
 WHERE ($1::text IS NULL OR $1 = ANY (d.tags))
   AND ($2::text IS NULL OR d.site = $2)
   AND ($3::text IS NULL OR d.created_by = $3)
   AND ($4::text IS NULL OR d.name ILIKE '%' || $4 || '%' OR d.description ILIKE '%' || $4 || '%')
   AND (NOT $8::boolean OR $9::boolean OR d.created_by = $7::text
        OR EXISTS (SELECT 1 FROM diagram_shares s
                    WHERE s.diagram_id = d.id AND s.user_name = $7::text))
 ORDER BY d.updated_at DESC, d.id DESC
 LIMIT $5 OFFSET $6
