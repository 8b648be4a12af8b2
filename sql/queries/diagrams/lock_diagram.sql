-- name: LockDiagram :one
-- Locks a diagram row so concurrent saves take version numbers one at a time, says what the
-- caller ($2, ACL on when $3, admin when $4; see DiagramAccess) may do with it (null: hidden),
-- and whether the diagram has made links (only its own saves add them, under this lock).
SELECT d.id, d.name, d.version,
       EXISTS (SELECT 1 FROM diagram_links l WHERE l.diagram_id = d.id) AS has_links,
       CASE WHEN NOT $3::boolean OR $4::boolean OR d.created_by = $2::text THEN 'write'
            ELSE (SELECT CASE WHEN s.can_write THEN 'write' ELSE 'read' END
                    FROM diagram_shares s
                   WHERE s.diagram_id = d.id AND s.user_name = $2::text)
       END AS access
  FROM diagrams d
 WHERE d.id = $1
   FOR UPDATE OF d
