-- name: FindIdempotencyKeys :many
-- The allocations recorded for idempotency keys given as pairs: pool ids $1 and keys $2.
SELECT k.pool_id, k.idempotency_key, k.allocation_ids
  FROM ip_allocation_keys k
  JOIN unnest($1::text[], $2::text[]) AS x(pool_id, key)
    ON k.pool_id = x.pool_id AND k.idempotency_key = x.key
