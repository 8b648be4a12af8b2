-- name: ClearCurrentVersion :exec
-- Takes the current mark off a diagram's version before a new one becomes current (a partial
-- unique index allows one current version per diagram).
UPDATE diagram_versions SET is_current = false WHERE diagram_id = $1 AND is_current
