-- name: InsertAllocations :exec
-- Records active allocations, one per element of the parallel arrays $1 (ids reserved with
-- NextAllocationIds), $2 (pool ids) .. $10. An allocation for no asset stores asset_id ''.
INSERT INTO ip_allocations (id, pool_id, ip_address, asset_id, device_name, device_type,
                            mac_address, hostname, notes, allocated_by, allocated_at)
SELECT id, pool, ip::inet, coalesce(asset, ''), name, dtype, mac::macaddr, host,
       coalesce(notes, ''), who, now()
  FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
              $7::text[], $8::text[], $9::text[], $10::text[])
       AS u(id, pool, ip, asset, name, dtype, mac, host, notes, who)
