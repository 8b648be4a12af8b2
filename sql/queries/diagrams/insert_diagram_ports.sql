-- name: InsertDiagramPorts :one
-- plan: per call
-- Creates the ports a diagram's links name that do not exist yet, a link between two new ports
-- already connected both ways (so the save need not update them again), and returns per link
-- the ids of its two ports and whether the save just created both. New ports are audited by
-- the `connect` rows of their links and the count in the diagram's own audit row: one audit
-- row per port would double the cost of saving a large drawing.
-- Each (device, port) appears in one link at most: the caller gives every port one link.
-- Links whose devices are missing are left out (the caller notices the shorter arrays).
WITH l AS (
  SELECT w.ord, w.sa, w.sp, w.ta, w.tp, ps.id AS s_old, pt.id AS t_old
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
         AS w (sa, sp, ta, tp, ord)
    JOIN network_devices da ON da.asset_id = w.sa
    JOIN network_devices db ON db.asset_id = w.ta
    LEFT JOIN device_ports ps ON ps.device_id = w.sa AND ps.port_name = w.sp
    LEFT JOIN device_ports pt ON pt.device_id = w.ta AND pt.port_name = w.tp
), ids AS (
  -- coalesce() draws a new id only for a missing port; the sequence is looked up once.
  SELECT l.*,
         coalesce(s_old, nextval((SELECT pg_get_serial_sequence('device_ports', 'id')::regclass)))
           AS s_id,
         coalesce(t_old, nextval((SELECT pg_get_serial_sequence('device_ports', 'id')::regclass)))
           AS t_id,
         s_old IS NULL AND t_old IS NULL AS fresh
    FROM l
), ins AS (
  -- A new pair names each other as peers (the reference is checked at commit).
  INSERT INTO device_ports (id, device_id, port_name, connected_to_device, connected_to_port)
  SELECT s_id, sa, sp, CASE WHEN fresh THEN ta END, CASE WHEN fresh THEN tp END
    FROM ids WHERE s_old IS NULL
  UNION ALL
  SELECT t_id, ta, tp, CASE WHEN fresh THEN sa END, CASE WHEN fresh THEN sp END
    FROM ids WHERE t_old IS NULL
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS created,
       array_agg(s_id ORDER BY ord) AS src,
       array_agg(t_id ORDER BY ord) AS dst,
       array_agg(fresh ORDER BY ord) AS fresh
  FROM ids
