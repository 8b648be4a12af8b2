-- name: ActiveElsewhere :many
-- Active allocations of any of addresses $1 in pools other than $2 (overlapping-pool conflicts).
SELECT a.pool_id, p.name AS pool_name, host(a.ip_address) AS ip_address, a.asset_id
  FROM ip_allocations a JOIN ip_pools p ON p.id = a.pool_id
 WHERE a.is_active AND a.ip_address = ANY($1::inet[]) AND a.pool_id <> $2::text
