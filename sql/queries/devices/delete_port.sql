-- name: DeletePort :one
-- Deletes port $1; its peer's connection is cleared by the foreign key.
DELETE FROM device_ports WHERE id = $1
RETURNING id, device_id, port_name, port_type, speed_mbps, status, mac_address::text AS mac_address,
          vlan_id, description, connected_port_id, netbox_id, created_at, updated_at
