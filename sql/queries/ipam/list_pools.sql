-- name: ListPools :many
-- Pools matching the optional filters (type, VLAN, active, text), inactive ones included unless
-- filtered out, with their usage figures (as ip_pool_usage computes them), oldest first.
SELECT p.id, p.name, p.network::text AS network, host(p.gateway) AS gateway,
       ARRAY(SELECT host(d::inet) FROM unnest(p.dns_servers) d) AS dns_servers, p.vlan_id,
       p.pool_type, p.description, p.site, p.is_active, p.reserved_ranges,
       p.alert_threshold::float8 AS alert_threshold, p.created_by,
       -- Timestamps as the ISO text JSON carries (what Date#toJSON gives), made here: on a page
       -- of 10,000 pools, Date objects cost more than the rest of the encoding together.
       to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
       s.active_count AS allocated_count, s.total_addresses - s.excluded_count AS usable_count,
       greatest(s.total_addresses - s.excluded_count - s.active_count, 0) AS available_count,
       (CASE WHEN s.total_addresses - s.excluded_count <= 0 THEN 100
             ELSE round(s.active_count::numeric / (s.total_addresses - s.excluded_count) * 100, 2)
        END)::float8 AS usage_percentage
  FROM ip_pools p JOIN ip_pool_state s ON s.pool_id = p.id
 WHERE ($1::text IS NULL OR p.pool_type = $1)
   AND ($2::int IS NULL OR p.vlan_id = $2)
   AND ($3::boolean IS NULL OR p.is_active = $3)
   AND ($4::text IS NULL OR p.name ILIKE '%' || $4 || '%' OR p.description ILIKE '%' || $4 || '%'
        OR p.site ILIKE '%' || $4 || '%' OR p.network::text LIKE $4 || '%')
 ORDER BY p.created_at, p.id
 LIMIT $5 OFFSET $6
