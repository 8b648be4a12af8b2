-- name: DisconnectDiagramLinks :one
-- plan: per call
-- Forgets the links a diagram drew that it no longer draws (given as ordered port id pairs),
-- unplugging those no other diagram draws.
WITH want AS (
  SELECT a, b FROM unnest($2::bigint[], $3::bigint[]) AS w (a, b)
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
  SELECT $4, $5, $6, $7, 'disconnect', 'device_connection', o.port_a_id || '-' || o.port_b_id,
         jsonb_build_object('port_a_id', o.port_a_id, 'port_b_id', o.port_b_id,
                            'diagram_id', $1::bigint, 'page_id', o.page_id, 'edge_id', o.edge_id),
         NULL
    FROM orphan o
   WHERE o.port_a_id IN (SELECT id FROM cut)
)
SELECT (SELECT count(*) FROM orphan o WHERE o.port_a_id IN (SELECT id FROM cut))::int AS disconnected,
       (SELECT count(*) FROM stale)::int AS forgotten
