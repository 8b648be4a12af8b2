-- name: InsertDiagramVersion :exec
-- Stores the content of a diagram's new version ($2); the diagrams row says which is current.
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, stats,
                              change_summary, created_by)
VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
