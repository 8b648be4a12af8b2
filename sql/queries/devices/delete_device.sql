-- name: DeleteDevice :many
-- Deletes device $1 (its ports go with it) and returns the peers its ports were connected to.
WITH peers AS (
  SELECT peer.id, peer.device_id
    FROM device_ports p JOIN device_ports peer ON peer.connected_port_id = p.id
   WHERE p.device_id = $1 AND peer.device_id <> $1
), gone AS (DELETE FROM network_devices WHERE id = $1 RETURNING id)
SELECT peers.id, peers.device_id FROM peers, gone
