-- name: InsertAllocations :many
-- Records active allocations, one per element of the parallel arrays $1 (pool ids) .. $9.
INSERT INTO ip_allocations (pool_id, ip_address, asset_id, device_name, device_type, mac_address,
                            hostname, description, allocated_by)
SELECT pool, ip::inet, asset, name, dtype, mac::macaddr, host, coalesce(descr, ''), who
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::text[], $8::text[], $9::text[])
       AS u(pool, ip, asset, name, dtype, mac, host, descr, who)
RETURNING id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
          mac_address::text AS mac_address, hostname, description, allocated_by, allocated_at,
          released_at, released_by, is_active
