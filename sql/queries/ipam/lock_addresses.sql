-- name: LockAddresses :exec
-- Takes a transaction-scoped advisory lock per address $1 (by value, in any pool), in ascending
-- key order so that two transactions locking overlapping sets never wait for each other in a
-- cycle. Used where an address becomes active in a pool that overlaps others.
SELECT pg_advisory_xact_lock(1095106561, s.k)
  FROM (SELECT DISTINCT hashtext(host(a::inet)) AS k FROM unnest($1::text[]) a
         ORDER BY k OFFSET 0) s
