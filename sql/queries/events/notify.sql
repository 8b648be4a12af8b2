-- name: NotifyEvent :exec
-- Publishes an event to every server process; delivered only if the transaction commits.
SELECT pg_notify($1, $2)
