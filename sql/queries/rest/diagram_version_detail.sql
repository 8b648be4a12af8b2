-- name: RestDiagramVersionDetail :many
-- Base rows of /api/diagrams/{id}/versions/{n}/: one saved version with its content.
SELECT id, diagram_id, version, change_summary, created_by, created_at, is_published,
       xml_content, diagram_json::json AS diagram_json
  FROM diagram_versions
