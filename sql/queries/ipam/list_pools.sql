-- name: ListPools :many
-- Every pool with its arithmetic usage figures and a bounded sample of allocated addresses.
SELECT p.id, p.name, p.network::text AS network, host(p.gateway) AS gateway,
       ARRAY(SELECT host(d) FROM unnest(p.dns_servers) d) AS dns_servers, p.vlan_id, p.pool_type,
       p.description, p.site, p.is_active, p.created_at, p.updated_at,
       u.allocated_count, u.usable_addresses::text AS usable_count,
       u.available_count::text AS available_count, u.usage_percentage::float8 AS usage_percentage,
       ARRAY(SELECT host(a.ip_address) FROM ip_allocations a
              WHERE a.pool_id = p.id AND a.is_active ORDER BY a.ip_address LIMIT $1) AS allocated
  FROM ip_pools p JOIN ip_pool_usage u ON u.id = p.id
 ORDER BY p.id
