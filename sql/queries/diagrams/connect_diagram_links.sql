-- name: ConnectDiagramLinks :many
-- plan: per call
-- Connects the port pairs a diagram draws (both ways), records which diagram made each link,
-- audits connections made between ports that existed before, and returns how many links it
-- made and those refused because a port is cabled elsewhere. A link between two ports the save
-- itself created is part of creating them: like the ports, it is audited by the diagram's own
-- audit row (which lists such links), not by a row of its own.
-- Callers hold LockDiagramInventory, so the peers read here do not change underneath.
WITH input AS (
  SELECT w.*, least(w.src, w.dst) AS a, greatest(w.src, w.dst) AS b
    FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                $12::text[])
         AS w (src, dst, page_id, edge_id, label_src, label_dst, fresh)
), fresh AS (
  -- Both ports were created by this save already connected to each other: the link is new and
  -- no diagram can have recorded it yet, so nothing needs reading.
  SELECT * FROM input WHERE fresh = 't'
), want AS (
  SELECT i.*, pa.connected_port_id AS src_peer, pb.connected_port_id AS dst_peer
    FROM input i
    JOIN device_ports pa ON pa.id = i.src
    JOIN device_ports pb ON pb.id = i.dst
   WHERE i.fresh = 'f'
), ok AS (
  SELECT *, (src_peer IS NOT DISTINCT FROM dst AND dst_peer IS NOT DISTINCT FROM src) AS existed
    FROM want
   WHERE (src_peer IS NULL OR src_peer = dst) AND (dst_peer IS NULL OR dst_peer = src)
), sides AS (
  SELECT src AS port, dst AS peer FROM ok WHERE src_peer IS DISTINCT FROM dst
  UNION ALL
  SELECT dst, src FROM ok WHERE dst_peer IS DISTINCT FROM src
), joined AS (
  UPDATE device_ports p
     SET connected_port_id = s.peer
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
  INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                         entity_id, old_values, new_values)
  SELECT $8, $9, $10, $11, 'connect', 'device_connection', a || '-' || b, NULL,
         jsonb_build_object('port_a_id', a, 'port_b_id', b, 'diagram_id', $1::bigint,
                            'page_id', page_id, 'edge_id', edge_id,
                            'source', label_src, 'target', label_dst)
    FROM made
)
SELECT 'connected' AS outcome, (count(*) + (SELECT count(*) FROM fresh))::int AS n,
       NULL AS page_id, NULL AS edge_id, NULL AS detail
  FROM made
UNION ALL
SELECT 'conflict', 1, w.page_id, w.edge_id,
       CASE WHEN w.src_peer IS NOT NULL AND w.src_peer <> w.dst THEN w.label_src
            ELSE w.label_dst END
  FROM want w
 WHERE NOT ((w.src_peer IS NULL OR w.src_peer = w.dst) AND (w.dst_peer IS NULL OR w.dst_peer = w.src))
