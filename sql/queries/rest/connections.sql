-- name: RestConnections :many
-- Base rows of /api/connections/: the document's device_connections view (a cable appears once
-- from each end), each row named by the id of its source port.
SELECT p.id, c.source_device, c.source_name, c.source_port, c.target_device, c.target_name,
       c.target_port, c.connection_status
  FROM device_connections c
  JOIN device_ports p ON (p.device_id, p.port_name) = (c.source_device, c.source_port)
