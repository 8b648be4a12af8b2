-- name: LockPool :one
-- Locks a pool row for the rest of the transaction, serialising allocations in that pool.
SELECT id, name, network::text AS network, is_active FROM ip_pools WHERE id = $1 FOR UPDATE
