-- name: DeletePort :one
-- Deletes port $1; its peer's connection is cleared by the foreign key.
DELETE FROM device_ports WHERE id = $1
RETURNING id, device_id, port_name, port_type, speed, status, mac_address::text AS mac_address,
          vlan_id, description, connected_to_device, connected_to_port, netbox_id,
          netbox_cable_id, created_at, updated_at
