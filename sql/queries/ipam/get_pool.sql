-- name: GetPool :one
-- One pool with its arithmetic usage figures.
SELECT u.id, u.name, u.network::text AS network, host(u.gateway) AS gateway,
       u.dns_servers::text[] AS dns_servers, u.vlan_id, u.pool_type, u.description, u.site,
       u.is_active, u.reserved_ranges, u.alert_threshold::float8 AS alert_threshold,
       -- Timestamps as the ISO text JSON carries (what Date#toJSON gives), made here: on a page
       -- of 10,000 pools, Date objects cost more than the rest of the encoding together.
       to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
       u.allocated_count, u.usable_addresses AS usable_count, u.available_count,
       u.usage_percentage
  FROM ip_pool_usage u
 WHERE u.id = $1
