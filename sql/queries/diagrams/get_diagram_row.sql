-- name: GetDiagramRow :one
-- The stored row of a diagram exactly as the table holds it (benchmark baseline, raw access).
SELECT id, name, version, xml_content, diagram_json FROM diagrams WHERE id = $1
