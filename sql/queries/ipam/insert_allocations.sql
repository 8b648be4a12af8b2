-- name: InsertAllocations :exec
-- Records active allocations, one per element of the parallel arrays $1 (ids reserved with
-- NextAllocationIds), $2 (pool ids) .. $10.
INSERT INTO ip_allocations (id, pool_id, ip_address, asset_id, device_name, device_type,
                            mac_address, hostname, description, allocated_by, allocated_at)
SELECT id, pool, ip::inet, asset, name, dtype, mac::macaddr, host, coalesce(descr, ''), who, now()
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::text[], $8::text[], $9::text[], $10::text[])
       AS u(id, pool, ip, asset, name, dtype, mac, host, descr, who)
