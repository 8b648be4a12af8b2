-- name: DisconnectDiagramLinks :one
-- Forgets the links a diagram drew that it no longer draws, unplugging those no other diagram draws.
WITH want AS (
  SELECT least(pa.id, pb.id) AS a, greatest(pa.id, pb.id) AS b
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS w (sa, sp, ta, tp)
    JOIN network_devices da ON da.asset_id = w.sa
    JOIN device_ports pa ON pa.device_id = da.id AND pa.port_name = w.sp
    JOIN network_devices db ON db.asset_id = w.ta
    JOIN device_ports pb ON pb.device_id = db.id AND pb.port_name = w.tp
), stale AS (
  DELETE FROM diagram_links dl
   WHERE dl.diagram_id = $1
     AND NOT EXISTS (SELECT 1 FROM want w WHERE w.a = dl.port_a_id AND w.b = dl.port_b_id)
  RETURNING port_a_id, port_b_id, page_id, edge_id
), orphan AS (
  SELECT s.*
    FROM stale s
   WHERE NOT EXISTS (SELECT 1 FROM diagram_links o
                      WHERE o.port_a_id = s.port_a_id AND o.port_b_id = s.port_b_id
                        AND o.diagram_id <> $1)
), cut AS (
  UPDATE device_ports p
     SET connected_port_id = NULL
    FROM orphan o
   WHERE (p.id = o.port_a_id AND p.connected_port_id = o.port_b_id)
      OR (p.id = o.port_b_id AND p.connected_port_id = o.port_a_id)
  RETURNING p.id
), aud AS (
  INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                         entity_id, old_values, new_values)
  SELECT $6, $7, $8, $9, 'disconnect', 'device_connection', o.port_a_id || '-' || o.port_b_id,
         jsonb_build_object('port_a_id', o.port_a_id, 'port_b_id', o.port_b_id,
                            'diagram_id', $1::bigint, 'page_id', o.page_id, 'edge_id', o.edge_id),
         NULL
    FROM orphan o
   WHERE o.port_a_id IN (SELECT id FROM cut)
)
SELECT (SELECT count(*) FROM orphan o WHERE o.port_a_id IN (SELECT id FROM cut))::int AS disconnected,
       (SELECT count(*) FROM stale)::int AS forgotten
