-- name: InsertDiagramVersion :exec
-- Keeps a copy of the diagram's current content as its version row, copied inside the server.
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, stats,
                              change_summary, created_by)
SELECT id, version, xml_content, diagram_json, stats, $2, updated_by
  FROM diagrams
 WHERE id = $1
