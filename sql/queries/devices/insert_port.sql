-- name: InsertPort :one
-- Creates a port of device $1 without a connection; the caller connects it afterwards.
INSERT INTO device_ports (device_id, port_name, port_type, speed, status, mac_address, vlan_id,
                          description)
VALUES ($1, $2, $3, $4, coalesce($5, 'down'), $6::macaddr, $7, coalesce($8, ''))
RETURNING id, device_id, port_name, port_type, speed, status, mac_address::text AS mac_address,
          vlan_id, description, connected_to_device, connected_to_port, netbox_id,
          netbox_cable_id, created_at, updated_at
