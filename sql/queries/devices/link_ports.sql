-- name: LinkPorts :exec
-- Connects ports $1 and $2 to each other: each names the other's device and port.
UPDATE device_ports p
   SET connected_to_device = q.device_id, connected_to_port = q.port_name
  FROM device_ports q
 WHERE (p.id, q.id) IN (($1::int4, $2::int4), ($2::int4, $1::int4))
