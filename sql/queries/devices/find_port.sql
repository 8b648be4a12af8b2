-- name: FindPort :one
-- The id of the port named $2 on device $1.
SELECT id FROM device_ports WHERE device_id = $1 AND port_name = $2
