-- name: UpdatePort :one
-- Rewrites the editable fields of port $1 (the caller merged them with the stored row).
UPDATE device_ports
   SET port_name = $2, port_type = $3, speed_mbps = $4, status = $5, mac_address = $6::macaddr,
       vlan_id = $7, description = $8
 WHERE id = $1
RETURNING id, device_id, port_name, port_type, speed_mbps, status, mac_address::text AS mac_address,
          vlan_id, description, connected_port_id, netbox_id, created_at, updated_at
