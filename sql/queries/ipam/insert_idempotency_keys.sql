-- name: InsertIdempotencyKeys :exec
-- Records idempotency keys of pool $1: $2 is a JSON object of key -> allocation ids.
INSERT INTO ip_allocation_keys (pool_id, idempotency_key, allocation_ids)
SELECT $1, k, ARRAY(SELECT jsonb_array_elements_text(v)::bigint)
  FROM jsonb_each($2::text::jsonb) AS e(k, v)
