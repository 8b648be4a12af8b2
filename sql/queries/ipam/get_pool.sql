-- name: GetPool :one
-- One pool, active or not, with its usage figures (ip_pool_usage_all's).
SELECT u.pool_id AS id, u.pool_name AS name, u.network::text AS network,
       host(u.gateway) AS gateway,
       ARRAY(SELECT host(d::inet) FROM unnest(u.dns_servers) d) AS dns_servers, u.vlan_id,
       u.pool_type, u.description, u.site, u.is_active, u.reserved_ranges,
       u.alert_threshold::float8 AS alert_threshold, u.created_by,
       to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
       u.allocated_count, u.usable_addresses AS usable_count, u.available_count,
       u.usage_percentage::float8 AS usage_percentage
  FROM ip_pool_usage_all u
 WHERE u.pool_id = $1::text
