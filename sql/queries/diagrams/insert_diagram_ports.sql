-- name: InsertDiagramPorts :one
-- Creates the ports a diagram's links name that do not exist yet, a link between two new ports
-- already connected both ways (so the save need not update them again), and returns per link
-- the ids of its two ports and whether the save just connected them. New ports are audited by
-- the `connect` rows of their links and the count in the diagram's own audit row: one audit
-- row per port would double the cost of saving a large drawing.
WITH l AS (
  SELECT w.ord, da.id AS sdev, w.sp, db.id AS tdev, w.tp
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY
         AS w (sa, sp, ta, tp, ord)
    JOIN network_devices da ON da.asset_id = w.sa
    JOIN network_devices db ON db.asset_id = w.ta
), ends AS (
  SELECT ord, 0 AS side, sdev AS device_id, sp AS port_name FROM l
  UNION ALL
  SELECT ord, 1, tdev, tp FROM l
), existing AS (
  SELECT e.ord, e.side, p.id
    FROM ends e
    JOIN device_ports p ON p.device_id = e.device_id AND p.port_name = e.port_name
), missing AS (
  SELECT e.*
    FROM ends e
   WHERE NOT EXISTS (SELECT 1 FROM existing x WHERE x.ord = e.ord AND x.side = e.side)
), fresh AS (
  SELECT ord FROM missing GROUP BY ord HAVING count(*) = 2
), newids AS (
  -- Each (device, port) appears once: the caller gives every port at most one link.
  -- (The sequence is looked up once, not per row.)
  SELECT m.*, nextval((SELECT pg_get_serial_sequence('device_ports', 'id'))::regclass) AS id
    FROM missing m
), ins AS (
  INSERT INTO device_ports (id, device_id, port_name, connected_port_id)
  SELECT n.id, n.device_id, n.port_name, o.id
    FROM newids n
    LEFT JOIN newids o ON o.ord = n.ord AND o.side <> n.side
  RETURNING id
), ids AS (
  SELECT e.ord, e.side, e.id FROM existing e
  UNION ALL
  SELECT n.ord, n.side, n.id FROM newids n
)
SELECT (SELECT count(*) FROM ins)::int AS created,
       (SELECT array_agg(id ORDER BY ord) FROM ids WHERE side = 0) AS src,
       (SELECT array_agg(id ORDER BY ord) FROM ids WHERE side = 1) AS dst,
       (SELECT array_agg(f.ord IS NOT NULL ORDER BY l.ord)
          FROM l LEFT JOIN fresh f ON f.ord = l.ord) AS fresh
