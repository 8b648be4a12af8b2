-- name: RestVisibleDiagramIds :many
-- Ids of the diagrams caller $1 may see, $2 whether per-user access (ARCHIFLOW_DIAGRAM_ACL=owner)
-- is on, $3 whether the caller is an admin: their own and those shared with them. REST lists and
-- details take it as a subquery, so a hidden diagram looks exactly like a missing one.
SELECT d.id
  FROM diagrams d
 WHERE NOT $2::boolean
    OR $3::boolean
    OR d.created_by = $1::text
    OR EXISTS (SELECT 1 FROM diagram_shares s
                WHERE s.diagram_id = d.id AND s.user_name = $1::text)
