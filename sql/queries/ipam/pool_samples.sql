-- name: PoolSamples :many
-- For each pool in $1: its $2 lowest active addresses and $2 lowest free ranges (bounded).
SELECT ids.id AS pool_id,
       ARRAY(SELECT host(a.ip_address) FROM ip_allocations a
              WHERE a.pool_id = ids.id AND a.is_active ORDER BY a.ip_address LIMIT $2) AS allocated,
       ARRAY(SELECT host(r.first_ip) || '-' || host(r.last_ip) FROM ip_pool_free_ranges r
              WHERE r.pool_id = ids.id ORDER BY r.first_ip LIMIT $2) AS free_ranges
  FROM unnest($1::text[]) AS ids(id)
