-- name: LockPools :many
-- Locks the pools whose ids are in $1 (a JSON array) in id order (no deadlocks) for the rest of
-- the transaction, serialising allocation and release per pool across every server process;
-- returns what the allocator needs. Each pool is found by its key; the ids come as JSON so that
-- the plan does not depend on how many there are and is made once per connection.
SELECT p.*
  FROM (SELECT DISTINCT x.id FROM json_array_elements_text($1::text::json) AS x(id) ORDER BY x.id) x
 CROSS JOIN LATERAL (
       SELECT p.id, p.name, p.network::text AS network, host(p.gateway) AS gateway,
              ARRAY(SELECT host(d::inet) FROM unnest(p.dns_servers) d) AS dns_servers,
              p.reserved_ranges, p.is_active, p.alert_threshold::float8 AS alert_threshold,
              s.active_count, s.excluded_count::text AS excluded_count, s.ranges_ready,
              EXISTS (SELECT FROM ip_pools o WHERE o.network && p.network AND o.id <> p.id)
                AS overlapped
         FROM ip_pools p JOIN ip_pool_state s ON s.pool_id = p.id
        WHERE p.id = x.id
          FOR NO KEY UPDATE OF p) p
