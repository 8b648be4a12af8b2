-- name: DiagramAccess :one
-- What the caller ($2, with ARCHIFLOW_DIAGRAM_ACL=owner on when $3, admin when $4) may do with
-- one diagram: 'write' (ACL off, admin, its creator, or shared for writing), 'read' (shared
-- read-only) or null (hidden); no row when it is missing.
SELECT CASE WHEN NOT $3::boolean OR $4::boolean OR d.created_by = $2::text THEN 'write'
            ELSE (SELECT CASE WHEN s.can_write THEN 'write' ELSE 'read' END
                    FROM diagram_shares s
                   WHERE s.diagram_id = d.id AND s.user_name = $2::text)
       END AS access
  FROM diagrams d
 WHERE d.id = $1
