-- name: GetDiagramRow :one
-- The stored current content of one diagram exactly as the table holds it (benchmark baseline).
SELECT id, version, diagram_xml, diagram_json
  FROM diagrams
 WHERE id = $1
