-- name: NbSyncLinkCables :exec
-- Re-derives port connections for the given cables: both ends name each other (device asset id
-- and port name) when a cable joins exactly one interface on each side; ports of vanished or
-- changed cables, and ports that pointed at a newly cabled port, are released. Each port is
-- written once, and only when its connection changes.
WITH pairs AS (
  SELECT c.netbox_id AS cable, c.a_interfaces[1] AS me, c.b_interfaces[1] AS peer
    FROM netbox_cables c
   WHERE c.netbox_id = ANY ($1::integer[])
     AND cardinality(c.a_interfaces) = 1 AND cardinality(c.b_interfaces) = 1
  UNION ALL
  SELECT c.netbox_id, c.b_interfaces[1], c.a_interfaces[1]
    FROM netbox_cables c
   WHERE c.netbox_id = ANY ($1::integer[])
     AND cardinality(c.a_interfaces) = 1 AND cardinality(c.b_interfaces) = 1),
want AS (
  SELECT DISTINCT ON (p.id) p.id, p.device_id, p.port_name, q.device_id AS dev,
         q.port_name AS port, pairs.cable
    FROM pairs
    JOIN device_ports p ON p.netbox_id = pairs.me
    JOIN device_ports q ON q.netbox_id = pairs.peer
   ORDER BY p.id, pairs.cable),
touched AS (
  SELECT id FROM device_ports WHERE netbox_cable_id = ANY ($1::integer[])
  UNION
  SELECT id FROM want
  UNION
  SELECT o.id FROM device_ports o JOIN want w
    ON (o.connected_to_device, o.connected_to_port) = (w.device_id, w.port_name))
UPDATE device_ports t
   SET connected_to_device = w.dev, connected_to_port = w.port, netbox_cable_id = w.cable
  FROM touched
  LEFT JOIN want w ON w.id = touched.id
 WHERE t.id = touched.id
   AND (t.connected_to_device, t.connected_to_port, t.netbox_cable_id)
       IS DISTINCT FROM (w.dev, w.port, w.cable)
