-- name: LockDiagram :one
-- Locks a diagram row so concurrent saves take version numbers one at a time, and says whether
-- the diagram has made links (only its own saves add them, and they hold this lock).
SELECT id, name, version,
       EXISTS (SELECT 1 FROM diagram_links l WHERE l.diagram_id = d.id) AS has_links
  FROM diagrams d
 WHERE id = $1
   FOR UPDATE OF d
