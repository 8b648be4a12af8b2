-- name: UnlinkPorts :many
-- Clears the connection of the ports in $1 and of every port connected to them; returns the
-- ports changed with the peer they had.
UPDATE device_ports p
   SET connected_port_id = NULL
  FROM device_ports prior
 WHERE prior.id = p.id AND p.connected_port_id IS NOT NULL
   AND (p.id = ANY($1::int8[]) OR p.connected_port_id = ANY($1::int8[]))
RETURNING p.id, p.device_id, prior.connected_port_id AS old_connected_port_id
