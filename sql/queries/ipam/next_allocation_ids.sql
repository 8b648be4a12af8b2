-- name: NextAllocationIds :many
-- Reserves $1 allocation ids and reads the transaction time, so that the allocator can write the
-- rows, their audit entries and idempotency keys in one round trip.
SELECT nextval((SELECT pg_get_serial_sequence('ip_allocations', 'id')::regclass)) AS id, now() AS now
  FROM generate_series(1, $1)
