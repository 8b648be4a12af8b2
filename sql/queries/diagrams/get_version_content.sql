-- name: GetVersionContent :one
-- The stored XML and parsed content of one version, to restore it.
SELECT version, xml_content AS xml, diagram_json::text AS diagram_json, stats
  FROM diagram_versions
 WHERE diagram_id = $1 AND version = $2
