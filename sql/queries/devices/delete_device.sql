-- name: DeleteDevice :many
-- Deletes device $1 (its ports go with it) and returns the ports of other devices that were
-- connected to them, with the port each was connected to (the foreign key clears them).
WITH peers AS (
  SELECT peer.id, peer.device_id, peer.connected_to_device, peer.connected_to_port
    FROM device_ports peer
   WHERE peer.connected_to_device = $1 AND peer.device_id <> $1
), gone AS (DELETE FROM network_devices WHERE asset_id = $1 RETURNING asset_id)
SELECT peers.id, peers.device_id, peers.connected_to_device, peers.connected_to_port
  FROM peers, gone
 ORDER BY peers.id
