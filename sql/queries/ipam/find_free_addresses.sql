-- name: FindFreeAddresses :many
-- The $2 lowest free addresses of pool $1: usable range minus gateway, DNS servers and active
-- allocations, found by walking the gaps between taken addresses in address order.
WITH p AS (
  SELECT id, network, gateway, dns_servers,
         CASE WHEN family(network) = 4 AND masklen(network) < 31
              THEN host(network(network))::inet + 1 ELSE host(network(network))::inet END AS first_addr,
         CASE WHEN family(network) = 4 AND masklen(network) < 31
              THEN host(broadcast(network))::inet - 1 ELSE host(broadcast(network))::inet END AS last_addr
    FROM ip_pools WHERE id = $1
), taken AS (
  SELECT DISTINCT t.a
    FROM p, LATERAL (
      SELECT ip_address AS a FROM ip_allocations WHERE pool_id = p.id AND is_active
      UNION ALL SELECT p.gateway
      UNION ALL SELECT unnest(p.dns_servers)
    ) t
   WHERE t.a IS NOT NULL AND t.a BETWEEN p.first_addr AND p.last_addr
), runs AS (
  SELECT p.first_addr AS run_start,
         coalesce((SELECT min(a) FROM taken) - 1, p.last_addr) AS run_end
    FROM p
   WHERE NOT EXISTS (SELECT 1 FROM taken WHERE a = p.first_addr)
  UNION ALL
  SELECT e.a + 1, coalesce(e.next_taken - 1, p.last_addr)
    FROM (SELECT a, lead(a) OVER (ORDER BY a) AS next_taken FROM taken) e, p
   WHERE e.a < p.last_addr AND (e.next_taken IS NULL OR e.next_taken > e.a + 1)
), firsts AS (
  SELECT run_start, run_end FROM runs WHERE run_start <= run_end ORDER BY run_start LIMIT $2
)
SELECT host(run_start + g) AS ip_address
  FROM firsts,
       LATERAL generate_series(0::bigint,
         CASE WHEN run_start + ($2 - 1) <= run_end THEN ($2 - 1)::bigint
              ELSE run_end - run_start END) AS g
 ORDER BY run_start + g
 LIMIT $2
