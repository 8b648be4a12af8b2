-- name: LinkPorts :exec
-- Connects ports $1 and $2 to each other.
UPDATE device_ports SET connected_port_id = CASE WHEN id = $1 THEN $2 ELSE $1 END
 WHERE id IN ($1, $2)
