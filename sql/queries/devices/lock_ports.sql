-- name: LockPorts :many
-- Ports with the ids in $1, locked in id order so concurrent connects cannot deadlock.
SELECT id, device_id, port_name, port_type, speed, status, mac_address::text AS mac_address,
          vlan_id, description, connected_to_device, connected_to_port, netbox_id,
          netbox_cable_id, created_at, updated_at
  FROM device_ports WHERE id = ANY($1::int4[]) ORDER BY id FOR UPDATE
