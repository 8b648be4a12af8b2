-- name: NbGetDiagramModel :one
-- A diagram's parsed devices and links (current version), for deploy and drift against NetBox.
SELECT d.id, d.name, v.diagram_json->'devices' AS devices, v.diagram_json->'links' AS links
  FROM diagrams d
  JOIN diagram_versions v ON v.diagram_id = d.id AND v.version = d.version
 WHERE d.id = $1
