-- name: AllocateSpecific :many
-- Serves allocate-ip calls for specific addresses, in one statement, one row per call: takes
-- each address out of the free range holding it (the range shrinks, splits in two or goes), and
-- records the allocations, one audit row per call and the idempotency keys.
--
-- $1 is a JSON array of calls {i, pool, ip, key, asset, dname, dtype, mac, host, notes, who,
-- uaddr, agent, req}, as AllocateLowest takes them with ip for n. The caller holds the lock of
-- every pool named, taken by an earlier statement. Each row also carries the pool's active and
-- excluded counts as this statement found them. status per call:
--   ok       allocations are the new row
--   replay   the key was used before; allocations are that call's rows
--   skipped  the pool is missing, inactive or its free ranges are stale (the caller finds which)
--   outside  ip is not in the pool's network
--   taken    ip is in no free range: allocated, reserved, or asked for by an earlier call here
WITH calls AS (
  SELECT * FROM json_to_recordset($1::text::json) AS c(
    i int, pool text, ip inet, key text, asset text, dname text, dtype text, mac macaddr,
    host text, notes text, who text, uaddr inet, agent text, req text)
),
replays AS (
  SELECT c.i, k.allocation_ids FROM calls c
    JOIN ip_allocation_keys k ON k.pool_id = c.pool AND k.idempotency_key = c.key
),
pools AS (
  SELECT x.pool, s.*
    FROM (SELECT DISTINCT pool FROM calls) x
    LEFT JOIN LATERAL (SELECT p.network, p.is_active AND s.ranges_ready AS ready, s.active_count,
                              s.excluded_count::text AS excluded_count
                         FROM ip_pools p JOIN ip_pool_state s ON s.pool_id = p.id
                        WHERE p.id = x.pool) s ON true
),
checked AS (
  SELECT c.*, CASE WHEN p.ready IS NOT TRUE THEN 'skipped'
                   WHEN c.ip <<= p.network THEN 'free' ELSE 'outside' END AS state
    FROM calls c JOIN pools p ON p.pool = c.pool
   WHERE NOT EXISTS (SELECT FROM replays r WHERE r.i = c.i)
),
-- Each address with the free range holding it; of two calls for one address the earlier wins.
taken AS (
  SELECT DISTINCT ON (c.pool, c.ip) c.*, r.first_ip, r.last_ip
    FROM checked c
    CROSS JOIN LATERAL (SELECT first_ip, last_ip FROM ip_pool_free_ranges
                         WHERE pool_id = c.pool AND first_ip <= c.ip
                         ORDER BY first_ip DESC LIMIT 1) r
   WHERE c.state = 'free' AND r.last_ip >= c.ip
   ORDER BY c.pool, c.ip, c.i
),
-- What is left of each range taken from: the gaps around its taken addresses, in order.
marks AS (
  SELECT t.pool, t.first_ip, t.last_ip, t.ip, lag(t.ip) OVER w AS prev, lead(t.ip) OVER w AS next
    FROM taken t WINDOW w AS (PARTITION BY t.pool, t.first_ip ORDER BY t.ip)
),
gaps AS (
  SELECT g.*, row_number() OVER (PARTITION BY g.pool, g.origin ORDER BY g.gap_first) AS nth
    FROM (SELECT m.pool, m.first_ip AS origin, m.first_ip AS gap_first, m.ip - 1 AS gap_last
            FROM marks m WHERE m.prev IS NULL AND m.ip > m.first_ip
          UNION ALL
          SELECT m.pool, m.first_ip, m.ip + 1, coalesce(m.next - 1, m.last_ip)
            FROM marks m WHERE coalesce(m.next - 1, m.last_ip) > m.ip) g
),
-- A range keeps its row for its first gap and gives it up when nothing is left; each further
-- gap is a new row.
shrunk AS (
  UPDATE ip_pool_free_ranges f SET first_ip = g.gap_first, last_ip = g.gap_last
    FROM gaps g
   WHERE g.nth = 1 AND f.pool_id = g.pool AND f.first_ip = g.origin
),
emptied AS (
  DELETE FROM ip_pool_free_ranges f
   USING (SELECT DISTINCT pool, first_ip FROM taken) t
   WHERE f.pool_id = t.pool AND f.first_ip = t.first_ip
     AND NOT EXISTS (SELECT FROM gaps g WHERE g.pool = t.pool AND g.origin = t.first_ip)
),
split AS (
  INSERT INTO ip_pool_free_ranges (pool_id, first_ip, last_ip)
  SELECT g.pool, g.gap_first, g.gap_last FROM gaps g WHERE g.nth > 1
),
-- Ids come from the column's default in call order.
made AS (
  INSERT INTO ip_allocations (pool_id, ip_address, asset_id, device_name, device_type, mac_address,
                              hostname, notes, allocated_by)
  SELECT t.pool, t.ip, coalesce(t.asset, ''), t.dname, t.dtype, t.mac, t.host,
         coalesce(t.notes, ''), t.who
    FROM taken t
   ORDER BY t.i
  RETURNING id, pool_id, ip_address, asset_id, device_name, device_type, mac_address, hostname,
            notes, allocated_by, allocated_at
),
-- Rows as the tool returns them (timestamps as JSON carries them, as Date#toJSON writes them).
granted AS (
  SELECT t.i, t.pool, t.key, t.who, t.uaddr, t.agent, t.req, m.id, json_build_object(
           'id', m.id, 'pool_id', m.pool_id, 'ip_address', host(m.ip_address),
           'asset_id', m.asset_id, 'device_name', m.device_name, 'device_type', m.device_type,
           'mac_address', m.mac_address::text, 'hostname', m.hostname, 'notes', m.notes,
           'allocated_by', m.allocated_by,
           'allocated_at', to_char(m.allocated_at AT TIME ZONE 'UTC',
                                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'released_at', NULL, 'released_by', NULL, 'is_active', true) AS row
    FROM made m JOIN taken t ON t.pool = m.pool_id AND t.ip = m.ip_address
),
-- One audit row per call, against the pool, with the row.
audited AS (
  INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                         entity_type, entity_id, old_value, new_value)
  SELECT left(g.who, 100), g.who, g.uaddr, g.agent, g.req, 'allocate_ip', 'ip_pool', g.pool, NULL,
         g.row::jsonb
    FROM granted g
   ORDER BY g.i
),
keyed AS (
  INSERT INTO ip_allocation_keys (pool_id, idempotency_key, allocation_ids)
  SELECT g.pool, g.key, ARRAY[g.id] FROM granted g WHERE g.key IS NOT NULL
)
SELECT c.i,
       CASE WHEN r.i IS NOT NULL THEN 'replay' WHEN g.i IS NOT NULL THEN 'ok'
            WHEN k.state = 'free' THEN 'taken' ELSE coalesce(k.state, 'skipped') END AS status,
       CASE WHEN g.i IS NOT NULL THEN json_build_array(g.row)
            ELSE (SELECT json_agg(json_build_object(
                    'id', a.id, 'pool_id', a.pool_id, 'ip_address', host(a.ip_address),
                    'asset_id', a.asset_id, 'device_name', a.device_name,
                    'device_type', a.device_type, 'mac_address', a.mac_address::text,
                    'hostname', a.hostname, 'notes', a.notes, 'allocated_by', a.allocated_by,
                    'allocated_at', to_char(a.allocated_at AT TIME ZONE 'UTC',
                                            'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'released_at', to_char(a.released_at AT TIME ZONE 'UTC',
                                           'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                    'released_by', a.released_by, 'is_active', a.is_active) ORDER BY a.id)
                    FROM unnest(r.allocation_ids) AS x(id) JOIN ip_allocations a ON a.id = x.id)
       END AS allocations,
       0 AS free, p.active_count, p.excluded_count
  FROM calls c
  JOIN pools p ON p.pool = c.pool
  LEFT JOIN replays r ON r.i = c.i
  LEFT JOIN checked k ON k.i = c.i
  LEFT JOIN granted g ON g.i = c.i
 ORDER BY c.i
