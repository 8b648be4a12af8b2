-- name: ListPools :many
-- Pools matching the optional filters (type, VLAN, active, text) with arithmetic usage figures.
SELECT p.id, p.name, p.network::text AS network, host(p.gateway) AS gateway,
       ARRAY(SELECT host(d) FROM unnest(p.dns_servers) d) AS dns_servers, p.vlan_id, p.pool_type,
       p.description, p.site, p.is_active, p.reserved_ranges,
       p.alert_threshold::float8 AS alert_threshold, p.created_at, p.updated_at,
       u.allocated_count, u.usable_addresses::text AS usable_count,
       u.available_count::text AS available_count, u.usage_percentage::float8 AS usage_percentage
  FROM ip_pools p JOIN ip_pool_usage u ON u.id = p.id
 WHERE ($1::text IS NULL OR p.pool_type = $1)
   AND ($2::int IS NULL OR p.vlan_id = $2)
   AND ($3::boolean IS NULL OR p.is_active = $3)
   AND ($4::text IS NULL OR p.name ILIKE '%' || $4 || '%' OR p.description ILIKE '%' || $4 || '%'
        OR p.site ILIKE '%' || $4 || '%' OR p.network::text LIKE $4 || '%')
 ORDER BY p.id
 LIMIT $5 OFFSET $6
