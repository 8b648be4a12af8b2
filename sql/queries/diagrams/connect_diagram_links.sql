-- name: ConnectDiagramLinks :many
-- Connects the port pairs a diagram draws (both ways), records which diagram made each link,
-- audits new connections, and returns the links refused because a port is cabled elsewhere.
WITH want AS (
  SELECT pa.id AS src, pb.id AS dst, least(pa.id, pb.id) AS a, greatest(pa.id, pb.id) AS b,
         pa.connected_port_id AS src_peer, pb.connected_port_id AS dst_peer,
         w.page_id, w.edge_id, w.sa, w.sp, w.ta, w.tp
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         AS w (sa, sp, ta, tp, page_id, edge_id)
    JOIN network_devices da ON da.asset_id = w.sa
    JOIN device_ports pa ON pa.device_id = da.id AND pa.port_name = w.sp
    JOIN network_devices db ON db.asset_id = w.ta
    JOIN device_ports pb ON pb.device_id = db.id AND pb.port_name = w.tp
     FOR UPDATE OF pa, pb
), ok AS (
  SELECT *, (src_peer IS NOT DISTINCT FROM dst AND dst_peer IS NOT DISTINCT FROM src) AS existed
    FROM want
   WHERE (src_peer IS NULL OR src_peer = dst) AND (dst_peer IS NULL OR dst_peer = src)
), sides AS (
  SELECT src AS port, dst AS peer FROM ok
  UNION ALL
  SELECT dst, src FROM ok
), joined AS (
  UPDATE device_ports p
     SET connected_port_id = s.peer
    FROM sides s
   WHERE p.id = s.port AND p.connected_port_id IS DISTINCT FROM s.peer
  RETURNING p.id
), rec AS (
  -- A cable that existed before any diagram drew it is not claimed: deleting the edge later
  -- must not unplug it. One drawn by another diagram is shared, so both must forget it.
  INSERT INTO diagram_links (diagram_id, port_a_id, port_b_id, page_id, edge_id)
  SELECT $1, ok.a, ok.b, ok.page_id, ok.edge_id
    FROM ok
   WHERE NOT ok.existed
      OR EXISTS (SELECT 1 FROM diagram_links x WHERE x.port_a_id = ok.a AND x.port_b_id = ok.b)
  ON CONFLICT (diagram_id, port_a_id, port_b_id)
    DO UPDATE SET page_id = EXCLUDED.page_id, edge_id = EXCLUDED.edge_id
  RETURNING port_a_id
), aud AS (
  INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                         entity_id, old_values, new_values)
  SELECT $8, $9, $10, $11, 'connect', 'device_connection', ok.a || '-' || ok.b, NULL,
         jsonb_build_object('port_a_id', ok.a, 'port_b_id', ok.b, 'diagram_id', $1::bigint,
                            'page_id', ok.page_id, 'edge_id', ok.edge_id,
                            'source', jsonb_build_object('asset_id', ok.sa, 'port', ok.sp),
                            'target', jsonb_build_object('asset_id', ok.ta, 'port', ok.tp))
    FROM ok
   WHERE NOT ok.existed
)
SELECT 'connected' AS outcome, count(*)::int AS n, NULL AS page_id, NULL AS edge_id,
       NULL AS detail
  FROM ok WHERE NOT ok.existed
UNION ALL
SELECT 'conflict', 1, w.page_id, w.edge_id,
       CASE WHEN w.src_peer IS NOT NULL AND w.src_peer <> w.dst
            THEN w.sa || ' ' || w.sp ELSE w.ta || ' ' || w.tp END
  FROM want w
 WHERE NOT ((w.src_peer IS NULL OR w.src_peer = w.dst) AND (w.dst_peer IS NULL OR w.dst_peer = w.src))
