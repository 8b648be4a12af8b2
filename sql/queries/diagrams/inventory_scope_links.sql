-- name: InventoryScopeLinks :many
-- The cables between the devices $1 (asset ids): each connected port whose other end is also
-- among them, from both ends (the caller keeps one per cable).
SELECT p.device_id AS a, p.port_name AS a_port, p.connected_to_device AS b,
       p.connected_to_port AS b_port
  FROM device_ports p
 WHERE p.device_id = ANY ($1::text[])
   AND p.connected_to_device = ANY ($1::text[])
