-- name: DiagramAccess :one
-- What the caller may do with one diagram ('write', 'read' or null); no row when it is missing.
SELECT diagram_access(d.created_by, d.id, $2::text, $3::boolean, $4::boolean) AS access
  FROM diagrams d
 WHERE d.id = $1
