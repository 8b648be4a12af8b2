-- name: DisconnectDiagramLinks :one
-- plan: per call
-- Forgets the links a diagram ($1) drew that it no longer draws (given as ordered port id
-- pairs), unplugging those no other diagram draws, audited as done by $4 (from address $5,
-- agent $6, request $7).
-- Plans here must not hang on estimates: statistics taken before a diagram existed say it has one
-- link, and a nested loop planned on that compared every link of a 10,000-link drawing with every
-- other one (re-saving it took 5 s). The links no longer drawn are found through a hashed NOT IN
-- (one hash of the drawn pairs, probed once per link), and the unplugged ones are counted and
-- audited from the UPDATE's own rows, without joining them back.
WITH stale AS (
  DELETE FROM diagram_links dl
   WHERE dl.diagram_id = $1
     AND (dl.port_a_id, dl.port_b_id) NOT IN (SELECT w.a, w.b
                                                FROM unnest($2::int[], $3::int[]) AS w (a, b))
  RETURNING port_a_id, port_b_id, page_id, edge_id
), orphan AS (
  -- Each end with the device and port name of the other, as its peer columns hold them.
  SELECT s.*, pa.device_id AS a_device, pa.port_name AS a_port, pb.device_id AS b_device,
         pb.port_name AS b_port
    FROM stale s
    JOIN device_ports pa ON pa.id = s.port_a_id
    JOIN device_ports pb ON pb.id = s.port_b_id
   WHERE NOT EXISTS (SELECT 1 FROM diagram_links o
                      WHERE o.port_a_id = s.port_a_id AND o.port_b_id = s.port_b_id
                        AND o.diagram_id <> $1)
), cut AS (
  -- Each unplugged port matches one orphan link; its a side stands for the link.
  UPDATE device_ports p
     SET connected_to_device = NULL, connected_to_port = NULL
    FROM orphan o
   WHERE (p.id = o.port_a_id AND p.connected_to_device = o.b_device
          AND p.connected_to_port = o.b_port)
      OR (p.id = o.port_b_id AND p.connected_to_device = o.a_device
          AND p.connected_to_port = o.a_port)
  RETURNING p.id, o.port_a_id, o.port_b_id, o.page_id, o.edge_id
), aud AS (
  INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                         entity_type, entity_id, old_value, new_value)
  SELECT left($4::text, 100), $4::text, $5::inet, $6, $7, 'disconnect', 'device_connection',
         c.port_a_id || '-' || c.port_b_id,
         jsonb_build_object('port_a_id', c.port_a_id, 'port_b_id', c.port_b_id,
                            'diagram_id', $1::text, 'page_id', c.page_id, 'edge_id', c.edge_id),
         NULL
    FROM cut c
   WHERE c.id = c.port_a_id
)
SELECT (SELECT count(*) FROM cut WHERE id = port_a_id)::int AS disconnected,
       (SELECT count(*) FROM stale)::int AS forgotten
