-- Usage per pool, computed arithmetically: the size comes from the prefix length (numeric, so an
-- IPv6 /48 is as cheap as an IPv4 /24), minus the excluded addresses (edges, gateway, DNS servers,
-- reserved ranges) and the active counter kept in ip_pool_state. Nothing enumerates addresses or
-- counts allocation rows.
CREATE VIEW ip_pool_usage AS
SELECT p.id, p.name, p.network, p.gateway, p.is_active, p.alert_threshold,
       t.total AS total_addresses,
       t.total - s.excluded_count AS usable_addresses,
       s.active_count AS allocated_count,
       greatest(t.total - s.excluded_count - s.active_count, 0) AS available_count,
       CASE WHEN t.total - s.excluded_count <= 0 THEN 100::numeric
            ELSE round(100 * s.active_count / (t.total - s.excluded_count), 2)
       END AS usage_percentage
  FROM ip_pools p
  JOIN ip_pool_state s ON s.pool_id = p.id
 CROSS JOIN LATERAL (
   SELECT power(2::numeric, (CASE family(p.network) WHEN 4 THEN 32 ELSE 128 END)
                            - masklen(p.network))::numeric(40, 0) AS total
 ) t;
