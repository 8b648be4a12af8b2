-- name: NbOutboxClaim :many
-- Locks up to $1 due outbox entries for this worker (others skip them), oldest first; $2 = true
-- ignores the backoff schedule.
SELECT o.id, o.action, o.allocation_id, o.payload, o.attempts,
       l.is_active AS allocation_active, l.netbox_id AS allocation_netbox_id
  FROM netbox_outbox o
  LEFT JOIN ip_allocations l ON l.id = o.allocation_id
 WHERE o.status = 'pending' AND ($2::boolean OR o.next_attempt_at <= now())
 ORDER BY o.id
 LIMIT $1
   FOR UPDATE OF o SKIP LOCKED
