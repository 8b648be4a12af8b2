-- name: LockPools :many
-- Locks pools $1 in id order (no deadlocks) for the rest of the transaction, serialising
-- allocation and release per pool across every server process; returns what the allocator needs.
SELECT p.id, p.name, p.network::text AS network, host(p.gateway) AS gateway,
       ARRAY(SELECT host(d::inet) FROM unnest(p.dns_servers) d) AS dns_servers, p.reserved_ranges,
       p.is_active, p.alert_threshold::float8 AS alert_threshold, s.active_count,
       s.excluded_count::text AS excluded_count, s.ranges_ready,
       EXISTS (SELECT 1 FROM ip_pools o WHERE o.network && p.network AND o.id <> p.id) AS overlapped
  FROM ip_pools p JOIN ip_pool_state s ON s.pool_id = p.id
 WHERE p.id = ANY($1::text[])
 ORDER BY p.id
   FOR NO KEY UPDATE OF p
