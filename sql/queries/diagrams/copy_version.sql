-- name: CopyDiagramVersion :one
-- Stores version $2's content again as the diagram's new version $3 (restore), copied inside
-- the server; returns the parsed content (JSON text) for the inventory.
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, stats,
                              change_summary, created_by)
SELECT diagram_id, $3, xml_content, diagram_json, stats, $4, $5
  FROM diagram_versions
 WHERE diagram_id = $1 AND version = $2
RETURNING diagram_json
