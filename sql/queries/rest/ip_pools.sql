-- name: RestIpPools :many
-- Base rows of /api/ip-pools/: pools with their arithmetic usage figures.
SELECT p.id, p.name, p.network, p.gateway,
       ARRAY(SELECT host(d) FROM unnest(p.dns_servers) d) AS dns_servers, p.vlan_id, p.pool_type,
       p.description, p.site, p.is_active, u.allocated_count,
       u.usable_addresses AS usable_count, u.available_count,
       u.usage_percentage::float8 AS usage_percentage, p.created_at, p.updated_at
  FROM ip_pools p JOIN ip_pool_usage u ON u.id = p.id
