-- name: SetDiagramStats :exec
-- Sets the stats a diagram created before its XML was parsed shows in listings.
UPDATE diagrams SET stats = $2::jsonb WHERE id = $1
