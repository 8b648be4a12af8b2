-- name: RestDiagramVersions :many
-- Base rows of /api/diagrams/{id}/versions/: saved versions without their content.
SELECT id, diagram_id, version_number, name, change_summary, created_by, created_at,
       is_current, is_published
  FROM diagram_versions
