-- Usage per pool, computed arithmetically: the usable size comes from the prefix length
-- (numeric, so an IPv6 /48 is as cheap as an IPv4 /24), minus excluded addresses (gateway and
-- DNS servers inside the pool), minus active allocations. Nothing enumerates addresses.
CREATE VIEW ip_pool_usage AS
WITH sized AS (
  SELECT p.id, p.name, p.network, p.gateway, p.is_active,
         power(2::numeric, (CASE family(p.network) WHEN 4 THEN 32 ELSE 128 END) - masklen(p.network))::numeric(40, 0)
           AS total_addresses,
         CASE WHEN family(p.network) = 4 AND masklen(p.network) < 31 THEN 2 ELSE 0 END AS edge_addresses,
         (SELECT count(DISTINCT x)
            FROM unnest(array_append(p.dns_servers, p.gateway)) AS x
           WHERE x IS NOT NULL AND x << p.network
             AND NOT (family(p.network) = 4 AND masklen(p.network) < 31
                      AND (host(x)::inet = host(network(p.network))::inet
                           OR host(x)::inet = host(broadcast(p.network))::inet))) AS excluded_addresses
    FROM ip_pools p
), counted AS (
  SELECT s.*, (SELECT count(*) FROM ip_allocations a WHERE a.pool_id = s.id AND a.is_active) AS allocated_count
    FROM sized s
)
SELECT id, name, network, gateway, is_active, total_addresses,
       total_addresses - edge_addresses - excluded_addresses AS usable_addresses,
       allocated_count,
       greatest(total_addresses - edge_addresses - excluded_addresses - allocated_count, 0) AS available_count,
       CASE WHEN total_addresses - edge_addresses - excluded_addresses <= 0 THEN 100::numeric
            ELSE round(100 * allocated_count / (total_addresses - edge_addresses - excluded_addresses), 2)
       END AS usage_percentage
  FROM counted;
