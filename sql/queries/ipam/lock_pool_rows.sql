-- name: LockPoolRows :many
-- Locks the pools whose ids are in $1 (a JSON array) in id order, as LockPools does, returning
-- only what is fixed while the lock is held: their definitions and whether other pools overlap
-- them. The allocation statements that follow read the usage state themselves.
SELECT p.*
  FROM (SELECT DISTINCT x.id FROM json_array_elements_text($1::text::json) AS x(id) ORDER BY x.id) x
 CROSS JOIN LATERAL (
       SELECT p.id, p.name, p.network::text AS network, host(p.gateway) AS gateway,
              ARRAY(SELECT host(d::inet) FROM unnest(p.dns_servers) d) AS dns_servers,
              p.reserved_ranges, p.is_active, p.alert_threshold::float8 AS alert_threshold,
              EXISTS (SELECT FROM ip_pools o WHERE o.network && p.network AND o.id <> p.id)
                AS overlapped
         FROM ip_pools p
        WHERE p.id = x.id
          FOR NO KEY UPDATE) p
