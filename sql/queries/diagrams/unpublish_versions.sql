-- name: UnpublishDiagramVersions :many
-- Takes the live mark off a diagram's published version, returning which one it was.
UPDATE diagram_versions
   SET is_published = false
 WHERE diagram_id = $1 AND is_published
RETURNING version_number AS version
