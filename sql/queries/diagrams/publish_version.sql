-- name: PublishDiagramVersion :one
-- Marks one version as the diagram's live version (the partial unique index allows only one).
UPDATE diagram_versions
   SET is_published = true
 WHERE diagram_id = $1 AND version_number = $2
RETURNING diagram_id, version_number AS version, created_by, created_at, change_summary,
          is_current, is_published
