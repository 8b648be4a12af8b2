-- name: ListDiagramVersions :many
-- A diagram's versions without content, newest first; is_current marks the one the diagram
-- holds now.
SELECT version_number AS version, name, created_by, created_at, change_summary, is_current,
       is_published, stats
  FROM diagram_versions
 WHERE diagram_id = $1
 ORDER BY version_number DESC
 LIMIT $2 OFFSET $3
