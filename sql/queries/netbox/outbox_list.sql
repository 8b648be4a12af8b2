-- name: NbOutboxList :many
-- Outbox entries, newest first, optionally only those with status $1.
SELECT id, action, dedup_key, allocation_id, payload, status, attempts, next_attempt_at,
       last_error, netbox_id, created_at, done_at
  FROM netbox_outbox
 WHERE ($1::text IS NULL OR status = $1)
 ORDER BY id DESC
 LIMIT $2
