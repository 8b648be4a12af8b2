-- name: RestDevicePorts :many
-- Base rows of /api/device-ports/: ports of inventory devices; device_id is the device's asset
-- id, the peer is named by its device's asset id and its port name.
SELECT id, device_id, port_name, port_type, speed, status, mac_address::text AS mac_address,
       vlan_id, description, connected_to_device, connected_to_port, netbox_id, created_at,
       updated_at
  FROM device_ports
