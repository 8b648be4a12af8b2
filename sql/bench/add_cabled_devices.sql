-- name: BenchAddCabledDevices :one
-- Adds $2 servers at site $3 (asset ids "N-$1-k"), each cabled to a different access switch,
-- both ends of each cable in one statement.
WITH switches AS (
  SELECT asset_id, row_number() OVER (ORDER BY asset_id) AS k
    FROM network_devices WHERE device_type = 'switch' ORDER BY asset_id LIMIT $2::int
), devs AS (
  INSERT INTO network_devices (asset_id, device_name, device_type, site)
  SELECT 'N-' || $1::int || '-' || k, 'new-' || $1::int || '-' || k, 'server', $3::text
    FROM switches
  RETURNING asset_id
), ports AS (
  INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port)
  SELECT 'N-' || $1::int || '-' || k, 'eth0', asset_id, 'new-' || $1::int || '-' || k
    FROM switches
  UNION ALL
  SELECT asset_id, 'new-' || $1::int || '-' || k, 'N-' || $1::int || '-' || k, 'eth0'
    FROM switches
  RETURNING 1
)
SELECT (SELECT count(*) FROM devs)::int AS devices, (SELECT count(*) FROM ports)::int AS ports
