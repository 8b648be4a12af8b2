-- name: InsertDiagramVersion :exec
-- Keeps a copy of one saved version.
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, change_summary, created_by)
VALUES ($1, $2, $3, $4::jsonb, $5, $6)
