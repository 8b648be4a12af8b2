-- name: ListDiagramVersions :many
-- A diagram's versions without content, newest first.
SELECT version, created_by, created_at, change_summary, is_published,
       stats
  FROM diagram_versions
 WHERE diagram_id = $1
 ORDER BY version DESC
 LIMIT $2 OFFSET $3
