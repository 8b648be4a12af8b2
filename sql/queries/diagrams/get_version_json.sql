-- name: GetVersionJson :many
-- The parsed content of two versions of a diagram, for a diff.
SELECT version_number AS version, diagram_json
  FROM diagram_versions
 WHERE diagram_id = $1 AND version_number = ANY ($2::int[])
