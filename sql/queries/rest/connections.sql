-- name: RestConnections :many
-- Base rows of /api/connections/: each physical link once, identified by its lower port id.
SELECT port_a_id AS id, port_a_id, device_a_id, device_a_asset_id, device_a_name, port_a_name,
       port_b_id, device_b_id, device_b_asset_id, device_b_name, port_b_name, port_a_status,
       port_b_status
  FROM device_connections
