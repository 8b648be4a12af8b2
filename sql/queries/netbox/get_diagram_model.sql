-- name: NbGetDiagramModel :one
-- A diagram's parsed devices and links, for deploy and drift against NetBox.
SELECT id, name, diagram_json->'devices' AS devices, diagram_json->'links' AS links
  FROM diagrams
 WHERE id = $1
