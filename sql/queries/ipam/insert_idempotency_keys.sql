-- name: InsertIdempotencyKeys :exec
-- Records idempotency keys from a JSON array of {pool_id, key, ids}.
INSERT INTO ip_allocation_keys (pool_id, idempotency_key, allocation_ids)
SELECT e ->> 'pool_id', e ->> 'key',
       ARRAY(SELECT jsonb_array_elements_text(e -> 'ids')::int)
  FROM jsonb_array_elements($1::text::jsonb) AS e
