-- name: GetDeviceBrief :one
-- The fields alert checks need of device (asset) $1.
SELECT asset_id, device_name, status, host(primary_ip) AS primary_ip,
       host(management_ip) AS management_ip
  FROM network_devices WHERE asset_id = $1::text
