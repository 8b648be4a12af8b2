-- name: UnlinkPorts :many
-- Clears the connection of the ports in $1 and of every port connected to them; returns the
-- ports changed with the peer they had.
WITH mine AS (SELECT id, device_id, port_name FROM device_ports WHERE id = ANY($1::int4[]))
UPDATE device_ports p
   SET connected_to_device = NULL, connected_to_port = NULL
  FROM device_ports prior
 WHERE prior.id = p.id AND p.connected_to_device IS NOT NULL
   AND (p.id IN (SELECT id FROM mine)
        OR (p.connected_to_device, p.connected_to_port) IN (SELECT device_id, port_name FROM mine))
RETURNING p.id, p.device_id, prior.connected_to_device AS old_connected_to_device,
          prior.connected_to_port AS old_connected_to_port
