-- name: RestIpPools :many
-- Base rows of /api/ip-pools/: every pool, inactive ones too (which ip_pool_usage leaves out),
-- with the usage figures that view computes from ip_pool_state, the same way. The counts stay
-- numeric, so filters and ordering compare them as numbers (IPv6 counts pass bigint).
SELECT p.id, p.name, p.network, p.gateway, p.dns_servers, p.vlan_id, p.pool_type,
       p.description, p.site, p.is_active, p.reserved_ranges,
       p.alert_threshold::float8 AS alert_threshold, s.active_count AS allocated_count,
       s.total_addresses - s.excluded_count AS usable_count,
       greatest(s.total_addresses - s.excluded_count - s.active_count, 0) AS available_count,
       (CASE WHEN s.total_addresses - s.excluded_count <= 0 THEN 100::numeric
             ELSE round(s.active_count::numeric / (s.total_addresses - s.excluded_count) * 100, 2)
        END)::float8 AS usage_percentage,
       p.created_by, p.created_at, p.updated_at
  FROM ip_pools p
  JOIN ip_pool_state s ON s.pool_id = p.id
