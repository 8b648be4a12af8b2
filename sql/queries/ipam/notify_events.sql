-- name: NotifyEvents :exec
-- Publishes several events on channel $1 in one statement, outside any write transaction.
SELECT pg_notify($1, e) FROM unnest($2::text[]) AS e
