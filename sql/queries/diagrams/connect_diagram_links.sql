-- name: ConnectDiagramLinks :many
-- plan: per call
-- Connects the port pairs a diagram ($1) draws (both ways: each port names the other's device
-- and port), records which diagram made each link, audits connections made between ports that
-- existed before (as made by $8, from address $9, agent $10, request $11), and returns how
-- many links it made and those refused because a port is cabled elsewhere. A link between two
-- ports the save itself created is part of creating them: like the ports, it is audited by the
-- diagram's own audit row (which lists such links), not by a row of its own.
-- Callers hold LockDiagramInventory, so the peers read here do not change underneath.
WITH input AS (
  SELECT w.*, least(w.src, w.dst) AS a, greatest(w.src, w.dst) AS b
    FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[],
                $12::text[])
         AS w (src, dst, page_id, edge_id, label_src, label_dst, fresh)
), fresh AS (
  -- Both ports were created by this save already connected to each other: the link is new and
  -- no diagram can have recorded it yet, so nothing needs reading.
  SELECT * FROM input WHERE fresh = 't'
), want AS (
  -- Whether each end is free, and whether it is cabled to the other end already.
  SELECT i.*,
         pa.device_id AS src_device, pa.port_name AS src_port,
         pb.device_id AS dst_device, pb.port_name AS dst_port,
         pa.connected_to_device IS NULL AS src_free,
         pb.connected_to_device IS NULL AS dst_free,
         coalesce((pa.connected_to_device, pa.connected_to_port) = (pb.device_id, pb.port_name),
                  false) AS src_to_dst,
         coalesce((pb.connected_to_device, pb.connected_to_port) = (pa.device_id, pa.port_name),
                  false) AS dst_to_src
    FROM input i
    JOIN device_ports pa ON pa.id = i.src
    JOIN device_ports pb ON pb.id = i.dst
   WHERE i.fresh = 'f'
), ok AS (
  SELECT *, src_to_dst AND dst_to_src AS existed
    FROM want
   WHERE (src_free OR src_to_dst) AND (dst_free OR dst_to_src)
), sides AS (
  SELECT src AS port, dst_device AS peer_device, dst_port AS peer_port FROM ok WHERE NOT src_to_dst
  UNION ALL
  SELECT dst, src_device, src_port FROM ok WHERE NOT dst_to_src
), joined AS (
  UPDATE device_ports p
     SET connected_to_device = s.peer_device, connected_to_port = s.peer_port
    FROM sides s
   WHERE p.id = s.port
  RETURNING p.id
), mine AS (
  SELECT port_a_id, port_b_id, page_id, edge_id FROM diagram_links WHERE diagram_id = $1
), rec AS (
  -- A cable that existed before any diagram drew it is not claimed: deleting the edge later
  -- must not unplug it. One drawn by another diagram is shared, so both must forget it.
  INSERT INTO diagram_links (diagram_id, port_a_id, port_b_id, page_id, edge_id)
  SELECT $1, ok.a, ok.b, ok.page_id, ok.edge_id
    FROM ok
    LEFT JOIN mine m ON m.port_a_id = ok.a AND m.port_b_id = ok.b
   WHERE (m.port_a_id IS NULL OR m.page_id <> ok.page_id OR m.edge_id <> ok.edge_id)
     AND (NOT ok.existed OR m.port_a_id IS NOT NULL
          OR EXISTS (SELECT 1 FROM diagram_links x WHERE x.port_a_id = ok.a AND x.port_b_id = ok.b))
  ON CONFLICT (diagram_id, port_a_id, port_b_id)
    DO UPDATE SET page_id = EXCLUDED.page_id, edge_id = EXCLUDED.edge_id
  RETURNING port_a_id
), rec_fresh AS (
  INSERT INTO diagram_links (diagram_id, port_a_id, port_b_id, page_id, edge_id)
  SELECT $1, a, b, page_id, edge_id FROM fresh
), made AS (
  SELECT a, b, page_id, edge_id, label_src, label_dst FROM ok WHERE NOT existed
), aud AS (
  INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                         entity_type, entity_id, old_value, new_value)
  SELECT left($8::text, 100), $8::text, $9::inet, $10, $11, 'connect', 'device_connection',
         a || '-' || b, NULL,
         jsonb_build_object('port_a_id', a, 'port_b_id', b, 'diagram_id', $1::text,
                            'page_id', page_id, 'edge_id', edge_id,
                            'source', label_src, 'target', label_dst)
    FROM made
)
SELECT 'connected' AS outcome, (count(*) + (SELECT count(*) FROM fresh))::int AS n,
       NULL AS page_id, NULL AS edge_id, NULL AS detail
  FROM made
UNION ALL
SELECT 'conflict', 1, w.page_id, w.edge_id,
       CASE WHEN NOT (w.src_free OR w.src_to_dst) THEN w.label_src ELSE w.label_dst END
  FROM want w
 WHERE NOT ((w.src_free OR w.src_to_dst) AND (w.dst_free OR w.dst_to_src))
