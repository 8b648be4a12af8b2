-- name: AllocateLowest :many
-- Serves allocate-ip calls for the lowest free addresses in one statement, one row per call:
-- takes the addresses from the bottom of each pool's free ranges, shrinks or removes those
-- ranges, and records the allocations, one audit row per call and the idempotency keys.
--
-- $1 is a JSON array of calls {i, pool, n, key, asset, dname, dtype, mac, host, notes, who,
-- uaddr, agent, req}: i orders them (arrival), n is the count, who the user, uaddr the client's
-- address for the audit row. The caller holds the lock of every pool named, taken by an earlier
-- statement, so this one sees every allocation committed before. Each row also carries the
-- pool's active and excluded counts as this statement found them. status per call:
--   ok       allocations are the new rows
--   replay   the key was used before; allocations are that call's rows
--   skipped  the pool is missing, inactive or its free ranges are stale (the caller finds which)
--   short    the pool has only `free` addresses for all its calls here; none of them took any
WITH calls AS (
  SELECT * FROM json_to_recordset($1::text::json) AS c(
    i int, pool text, n int, key text, asset text, dname text, dtype text, mac macaddr,
    host text, notes text, who text, uaddr inet, agent text, req text)
),
pools AS (
  SELECT x.pool, s.*
    FROM (SELECT DISTINCT pool FROM calls) x
    LEFT JOIN LATERAL (SELECT p.is_active AND s.ranges_ready AS ready, s.active_count,
                              s.excluded_count::text AS excluded_count
                         FROM ip_pools p JOIN ip_pool_state s ON s.pool_id = p.id
                        WHERE p.id = x.pool) s ON true
),
replays AS (
  SELECT c.i, k.allocation_ids FROM calls c
    JOIN ip_allocation_keys k ON k.pool_id = c.pool AND k.idempotency_key = c.key
),
-- Calls to serve now, each with the end of its share of its pool's demand d (in arrival order).
live AS (
  SELECT c.*, sum(c.n) OVER (PARTITION BY c.pool ORDER BY c.i) AS upto,
         sum(c.n) OVER (PARTITION BY c.pool) AS d
    FROM calls c
   WHERE c.pool IN (SELECT pool FROM pools WHERE ready)
     AND NOT EXISTS (SELECT FROM replays r WHERE r.i = c.i)
),
-- The d lowest free ranges of each pool hold its d lowest free addresses (a range holds at
-- least one). Sizes are capped at d + 1, with arithmetic that never leaves the address space (a
-- range near its top is smaller than the cap); a range gives its first `take` addresses.
spans AS (
  SELECT s.*, sum(s.take) OVER (PARTITION BY s.pool) AS free
    FROM (SELECT r.*, least(r.size, r.d - r.before) AS take
            FROM (SELECT r.*, (sum(r.size) OVER (PARTITION BY r.pool ORDER BY r.first_ip))::bigint
                              - r.size AS before
                    FROM (SELECT x.pool, x.d, f.first_ip, f.last_ip,
                                 CASE WHEN f.first_ip > (CASE family(f.first_ip)
                                                           WHEN 4 THEN inet '255.255.255.255'
                                                           ELSE inet 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'
                                                         END) - x.d
                                      THEN f.last_ip - f.first_ip + 1
                                      WHEN f.first_ip + x.d <= f.last_ip THEN x.d + 1
                                      ELSE f.last_ip - f.first_ip + 1 END AS size
                            FROM (SELECT DISTINCT pool, d FROM live) x
                            CROSS JOIN LATERAL (SELECT first_ip, last_ip FROM ip_pool_free_ranges
                                                 WHERE pool_id = x.pool
                                                 ORDER BY first_ip LIMIT x.d) f) r) r
           WHERE r.before < r.d) s
),
-- A pool serves its calls only if it has enough for all of them: call ranks upto - n + 1 ..
-- upto, the ranks of a range before + 1 .. before + take.
taken AS (
  SELECT c.*, s.first_ip + k AS ip
    FROM live c
    JOIN spans s ON s.pool = c.pool AND s.free >= c.d
                AND s.before < c.upto AND s.before + s.take > c.upto - c.n
    CROSS JOIN LATERAL generate_series(greatest(c.upto - c.n, s.before) - s.before,
                                       least(c.upto, s.before + s.take) - s.before - 1) AS k
),
shrunk AS (
  UPDATE ip_pool_free_ranges f SET first_ip = f.first_ip + s.take
    FROM spans s
   WHERE s.free >= s.d AND s.take < s.size AND f.pool_id = s.pool AND f.first_ip = s.first_ip
),
emptied AS (
  DELETE FROM ip_pool_free_ranges f
   USING spans s
   WHERE s.free >= s.d AND s.take = s.size AND f.pool_id = s.pool AND f.first_ip = s.first_ip
),
-- Ids come from the column's default in call order, each call's addresses ascending.
made AS (
  INSERT INTO ip_allocations (pool_id, ip_address, asset_id, device_name, device_type, mac_address,
                              hostname, notes, allocated_by)
  SELECT t.pool, t.ip, coalesce(t.asset, ''), t.dname, t.dtype, t.mac, t.host,
         coalesce(t.notes, ''), t.who
    FROM taken t
   ORDER BY t.i, t.ip
  RETURNING id, pool_id, ip_address, asset_id, device_name, device_type, mac_address, hostname,
            notes, allocated_by, allocated_at
),
-- Rows as the tool returns them (timestamps as JSON carries them, as Date#toJSON writes them).
granted AS (
  SELECT t.i, t.pool, t.key, t.who, t.uaddr, t.agent, t.req,
         json_agg(json_build_object(
           'id', m.id, 'pool_id', m.pool_id, 'ip_address', host(m.ip_address),
           'asset_id', m.asset_id, 'device_name', m.device_name, 'device_type', m.device_type,
           'mac_address', m.mac_address::text, 'hostname', m.hostname, 'notes', m.notes,
           'allocated_by', m.allocated_by,
           'allocated_at', to_char(m.allocated_at AT TIME ZONE 'UTC',
                                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'released_at', NULL, 'released_by', NULL, 'is_active', true) ORDER BY m.id) AS rows,
         array_agg(m.id ORDER BY m.id) AS ids
    FROM made m JOIN taken t ON t.pool = m.pool_id AND t.ip = m.ip_address
   GROUP BY t.i, t.pool, t.key, t.who, t.uaddr, t.agent, t.req
),
-- One audit row per call, against the pool: the row, or the rows of a call that took several.
audited AS (
  INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                         entity_type, entity_id, old_value, new_value)
  SELECT left(g.who, 100), g.who, g.uaddr, g.agent, g.req, 'allocate_ip', 'ip_pool', g.pool, NULL,
         CASE WHEN cardinality(g.ids) = 1 THEN (g.rows -> 0)::jsonb ELSE g.rows::jsonb END
    FROM granted g
   ORDER BY g.i
),
keyed AS (
  INSERT INTO ip_allocation_keys (pool_id, idempotency_key, allocation_ids)
  SELECT g.pool, g.key, g.ids FROM granted g WHERE g.key IS NOT NULL
)
SELECT c.i,
       CASE WHEN r.i IS NOT NULL THEN 'replay' WHEN g.i IS NOT NULL THEN 'ok'
            WHEN p.ready IS NOT TRUE THEN 'skipped' ELSE 'short' END AS status,
       coalesce(g.rows, (SELECT json_agg(json_build_object(
                  'id', a.id, 'pool_id', a.pool_id, 'ip_address', host(a.ip_address),
                  'asset_id', a.asset_id, 'device_name', a.device_name,
                  'device_type', a.device_type, 'mac_address', a.mac_address::text,
                  'hostname', a.hostname, 'notes', a.notes, 'allocated_by', a.allocated_by,
                  'allocated_at', to_char(a.allocated_at AT TIME ZONE 'UTC',
                                          'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'released_at', to_char(a.released_at AT TIME ZONE 'UTC',
                                         'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                  'released_by', a.released_by, 'is_active', a.is_active) ORDER BY a.id)
                 FROM unnest(r.allocation_ids) AS x(id) JOIN ip_allocations a ON a.id = x.id))
         AS allocations,
       coalesce((SELECT max(s.free) FROM spans s WHERE s.pool = c.pool), 0)::int AS free,
       p.active_count, p.excluded_count
  FROM calls c
  JOIN pools p ON p.pool = c.pool
  LEFT JOIN replays r ON r.i = c.i
  LEFT JOIN granted g ON g.i = c.i
 ORDER BY c.i
