-- name: FindIdempotencyKeys :many
-- The allocations recorded for idempotency keys $2 of pool $1.
SELECT idempotency_key, allocation_ids FROM ip_allocation_keys
 WHERE pool_id = $1 AND idempotency_key = ANY($2::text[])
