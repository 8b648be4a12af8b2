-- name: InsertDiagramVersion :exec
-- Keeps what the diagrams row holds now as its version (the row's version number), the
-- current one: every save, the first included, writes one. The content is copied inside the
-- server, not sent again. ClearCurrentVersion runs first.
INSERT INTO diagram_versions (diagram_id, version_number, name, diagram_xml, diagram_json, stats,
                              change_summary, created_by, is_current)
SELECT d.id, d.version, d.name, d.diagram_xml, d.diagram_json, d.stats, $2, $3, true
  FROM diagrams d
 WHERE d.id = $1
