-- name: GetDiagramRow :one
-- The stored content row of one version exactly as the table holds it (benchmark baseline).
SELECT diagram_id, version, xml_content, diagram_json
  FROM diagram_versions
 WHERE diagram_id = $1 AND version = $2
