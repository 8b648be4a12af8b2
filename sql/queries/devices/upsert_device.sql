-- name: UpsertDevice :one
-- Creates a device (made by $14) or updates the one with the same asset id; returns it with the
-- prior row.
WITH prior AS (SELECT to_jsonb(d) AS old FROM network_devices d WHERE asset_id = $1)
INSERT INTO network_devices (asset_id, device_name, device_type, vendor, model, serial_number,
                             status, site, location, primary_ip, management_ip, metadata,
                             rack_position, created_by)
VALUES ($1, $2, coalesce($3, 'other'), $4, $5, $6, coalesce($7, 'active'), $8, $9, $10::inet,
        $11::inet, coalesce($12::jsonb, '{}'), $13, $14)
ON CONFLICT (asset_id) DO UPDATE SET
  device_name = EXCLUDED.device_name,
  device_type = coalesce($3, network_devices.device_type),
  vendor = coalesce($4, network_devices.vendor),
  model = coalesce($5, network_devices.model),
  serial_number = coalesce($6, network_devices.serial_number),
  status = coalesce($7, network_devices.status),
  site = coalesce($8, network_devices.site),
  location = coalesce($9, network_devices.location),
  primary_ip = coalesce($10::inet, network_devices.primary_ip),
  management_ip = coalesce($11::inet, network_devices.management_ip),
  metadata = coalesce($12::jsonb, network_devices.metadata),
  rack_position = coalesce($13, network_devices.rack_position)
RETURNING asset_id, device_name, device_type, vendor, model, serial_number, location,
          rack_position, status, site, host(primary_ip) AS primary_ip,
          host(management_ip) AS management_ip, netbox_id, metadata, created_at, updated_at,
          created_by, (SELECT old FROM prior) AS old_values
