-- name: NbGetDiagramModel :one
-- A diagram's parsed devices and links (current version), for deploy and drift against NetBox.
SELECT d.id, d.name, j.doc->'devices' AS devices, j.doc->'links' AS links
  FROM diagrams d
  JOIN diagram_versions v ON v.diagram_id = d.id AND v.version = d.version
 CROSS JOIN LATERAL (SELECT v.diagram_json::json AS doc) j
 WHERE d.id = $1
