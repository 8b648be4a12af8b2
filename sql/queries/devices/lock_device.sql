-- name: LockDevice :one
-- Device by id ($1) or asset id ($2), locked for a delete.
SELECT id, asset_id, device_name, device_type, vendor, model, serial_number, status, site,
       location, host(primary_ip) AS primary_ip, host(management_ip) AS management_ip, netbox_id,
       metadata, created_at, updated_at
  FROM network_devices
 WHERE id = $1 OR asset_id = $2
 FOR UPDATE
