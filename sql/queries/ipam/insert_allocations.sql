-- name: InsertAllocations :many
-- Records active allocations in pool $1, one per element of the parallel arrays $2..$9.
INSERT INTO ip_allocations (pool_id, ip_address, asset_id, device_name, device_type, mac_address,
                            hostname, description, allocated_by)
SELECT $1, ip::inet, asset, name, dtype, mac::macaddr, host, coalesce(descr, ''), who
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
              $9::text[]) AS u(ip, asset, name, dtype, mac, host, descr, who)
RETURNING id, pool_id, host(ip_address) AS ip_address, asset_id, device_name, device_type,
          mac_address::text AS mac_address, hostname, description, allocated_by, allocated_at,
          released_at, released_by, is_active
