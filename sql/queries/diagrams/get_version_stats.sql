-- name: GetVersionStats :one
-- Whether a version exists, with its stats (restore checks it before copying it).
SELECT version, stats
  FROM diagram_versions
 WHERE diagram_id = $1 AND version = $2
