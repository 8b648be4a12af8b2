-- name: UpdatePort :one
-- Rewrites the editable fields of port $1 (the caller merged them with the stored row). A new
-- name reaches the peer's connected_to_port through the foreign key.
UPDATE device_ports
   SET port_name = $2, port_type = $3, speed = $4, status = $5, mac_address = $6::macaddr,
       vlan_id = $7, description = $8
 WHERE id = $1
RETURNING id, device_id, port_name, port_type, speed, status, mac_address::text AS mac_address,
          vlan_id, description, connected_to_device, connected_to_port, netbox_id,
          netbox_cable_id, created_at, updated_at
