-- name: RestDevicePorts :many
-- Base rows of /api/device-ports/: ports of inventory devices.
SELECT id, device_id, port_name, port_type, speed_mbps, status, mac_address::text AS mac_address,
       vlan_id, description, connected_port_id, netbox_id, created_at, updated_at
  FROM device_ports
