-- name: Ping :one
-- Answers when the database is reachable (the check made before the server starts on it).
SELECT 1 AS ok
