-- name: GetPool :one
-- One pool with its arithmetic usage figures.
SELECT u.id, u.name, u.network::text AS network, host(u.gateway) AS gateway,
       u.dns_servers::text[] AS dns_servers, u.vlan_id, u.pool_type, u.description, u.site,
       u.is_active, u.reserved_ranges, u.alert_threshold::float8 AS alert_threshold, u.created_at,
       u.updated_at, u.allocated_count, u.usable_addresses AS usable_count, u.available_count,
       u.usage_percentage
  FROM ip_pool_usage u
 WHERE u.id = $1
