-- name: DeleteFreeRanges :exec
-- Removes free ranges given as pairs: pool ids $1 and first addresses $2.
DELETE FROM ip_pool_free_ranges r
 USING unnest($1::text[], $2::inet[]) AS x(pool_id, first_ip)
 WHERE r.pool_id = x.pool_id AND r.first_ip = x.first_ip
