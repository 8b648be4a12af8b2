-- name: NbGetDiagramModel :one
-- A diagram's parsed devices and links (its current content), for deploy and drift against
-- NetBox.
SELECT d.id, d.name, d.diagram_json->'devices' AS devices, d.diagram_json->'links' AS links
  FROM diagrams d
 WHERE d.id = $1
