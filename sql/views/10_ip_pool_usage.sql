-- Pools with their usage, computed arithmetically: the prefix size (numeric, so an IPv6 /48 is
-- as cheap as an IPv4 /24) minus the excluded addresses (edges, gateway, DNS servers, reserved
-- ranges) and the active counter, all kept in ip_pool_state. Nothing enumerates addresses or
-- counts allocation rows. The pool's own columns are included so that listing pools reads each
-- table once. The percentage is computed in float8 and rounded to two decimals.
CREATE VIEW ip_pool_usage AS
SELECT p.id, p.name, p.network, p.gateway, p.dns_servers, p.vlan_id, p.pool_type, p.description,
       p.site, p.is_active, p.reserved_ranges, p.alert_threshold, p.created_at, p.updated_at,
       s.total_addresses,
       s.total_addresses - s.excluded_count AS usable_addresses,
       s.active_count AS allocated_count,
       greatest(s.total_addresses - s.excluded_count - s.active_count, 0) AS available_count,
       CASE WHEN s.total_addresses - s.excluded_count <= 0 THEN 100::float8
            ELSE round(10000 * s.active_count / (s.total_addresses - s.excluded_count)::float8) / 100
       END AS usage_percentage
  FROM ip_pools p
  JOIN ip_pool_state s ON s.pool_id = p.id;
