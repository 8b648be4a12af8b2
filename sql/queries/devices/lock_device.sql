-- name: LockDevice :one
-- Device with asset id $1, locked for a delete.
SELECT asset_id, device_name, device_type, vendor, model, serial_number, location, rack_position,
       status, site, host(primary_ip) AS primary_ip, host(management_ip) AS management_ip,
       netbox_id, metadata, created_at, updated_at, created_by
  FROM network_devices
 WHERE asset_id = $1
 FOR UPDATE
