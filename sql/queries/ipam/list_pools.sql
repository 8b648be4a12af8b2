-- name: ListPools :many
-- Pools matching the optional filters (type, VLAN, active, text) with arithmetic usage figures.
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
 WHERE ($1::text IS NULL OR u.pool_type = $1)
   AND ($2::int IS NULL OR u.vlan_id = $2)
   AND ($3::boolean IS NULL OR u.is_active = $3)
   AND ($4::text IS NULL OR u.name ILIKE '%' || $4 || '%' OR u.description ILIKE '%' || $4 || '%'
        OR u.site ILIKE '%' || $4 || '%' OR u.network::text LIKE $4 || '%')
 ORDER BY u.id
 LIMIT $5 OFFSET $6
