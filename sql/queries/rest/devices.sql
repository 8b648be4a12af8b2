-- name: RestDevices :many
-- Base rows of /api/devices/: every inventory device, named by its asset id, filtered and paged
-- by the REST layer.
SELECT asset_id, device_name, device_type, vendor, model, serial_number, status, site,
       location, rack_position, primary_ip, management_ip, netbox_id, metadata, created_by,
       created_at, updated_at
  FROM network_devices
