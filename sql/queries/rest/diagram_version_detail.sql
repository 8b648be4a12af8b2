-- name: RestDiagramVersionDetail :many
-- Base rows of /api/diagrams/{id}/versions/{n}/: one saved version with its content.
SELECT id, diagram_id, version_number, name, change_summary, created_by, created_at,
       is_current, is_published, diagram_xml, diagram_json
  FROM diagram_versions
