-- name: GetDeviceBrief :one
-- The fields alert checks need of device $1.
SELECT id, asset_id, device_name, status, host(primary_ip) AS primary_ip,
       host(management_ip) AS management_ip
  FROM network_devices WHERE id = $1
