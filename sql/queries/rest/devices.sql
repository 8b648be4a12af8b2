-- name: RestDevices :many
-- Base rows of /api/devices/: every inventory device, filtered and paged by the REST layer.
SELECT id, asset_id, device_name, device_type, vendor, model, serial_number, status, site,
       location, primary_ip, management_ip, netbox_id, metadata, created_at, updated_at
  FROM network_devices
