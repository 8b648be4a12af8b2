-- name: NbOutboxDone :exec
-- Marks an outbox entry done with the NetBox id it created or removed.
UPDATE netbox_outbox SET status = 'done', done_at = now(), netbox_id = $2,
       attempts = attempts + 1, last_error = NULL
 WHERE id = $1
