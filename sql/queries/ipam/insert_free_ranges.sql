-- name: InsertFreeRanges :exec
-- Adds free ranges given as triples: pool ids $1, first addresses $2, last addresses $3.
INSERT INTO ip_pool_free_ranges (pool_id, first_ip, last_ip)
SELECT p, f, l FROM unnest($1::text[], $2::inet[], $3::inet[]) AS u(p, f, l)
