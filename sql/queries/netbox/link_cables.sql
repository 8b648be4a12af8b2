-- name: NbSyncLinkCables :exec
-- Re-derives port connections for the given cables: both ends point at each other when a cable
-- joins exactly one interface on each side; ports of vanished or changed cables are released.
WITH cleared AS (
  UPDATE device_ports SET connected_port_id = NULL, netbox_cable_id = NULL
   WHERE netbox_cable_id = ANY ($1::integer[])
   RETURNING id),
pairs AS (
  SELECT c.netbox_id AS cable, c.a_interfaces[1] AS me, c.b_interfaces[1] AS peer
    FROM netbox_cables c
   WHERE c.netbox_id = ANY ($1::integer[])
     AND cardinality(c.a_interfaces) = 1 AND cardinality(c.b_interfaces) = 1
  UNION ALL
  SELECT c.netbox_id, c.b_interfaces[1], c.a_interfaces[1]
    FROM netbox_cables c
   WHERE c.netbox_id = ANY ($1::integer[])
     AND cardinality(c.a_interfaces) = 1 AND cardinality(c.b_interfaces) = 1)
UPDATE device_ports p SET connected_port_id = q.id, netbox_cable_id = pairs.cable
  FROM pairs JOIN device_ports q ON q.netbox_id = pairs.peer
 WHERE p.netbox_id = pairs.me AND (SELECT count(*) FROM cleared) >= 0
