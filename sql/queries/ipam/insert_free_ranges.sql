-- name: InsertFreeRanges :exec
-- Adds free ranges to pool $1: pairwise first addresses $2 and last addresses $3.
INSERT INTO ip_pool_free_ranges (pool_id, first_ip, last_ip)
SELECT $1, f, l FROM unnest($2::inet[], $3::inet[]) AS u(f, l)
