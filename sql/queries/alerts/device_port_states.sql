-- name: DevicePortStates :one
-- How many ports device (asset) $1 has and how many of them are down.
SELECT count(*)::int AS total, (count(*) FILTER (WHERE status = 'down'))::int AS down
  FROM device_ports WHERE device_id = $1::text
