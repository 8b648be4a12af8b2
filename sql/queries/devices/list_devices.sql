-- name: ListDevices :many
-- Devices filtered by type, site, status and a free-text match on name or asset id.
SELECT id, asset_id, device_name, device_type, vendor, model, serial_number, status, site,
       location, host(primary_ip) AS primary_ip, host(management_ip) AS management_ip, netbox_id,
       metadata, created_at, updated_at
  FROM network_devices
 WHERE ($1::text IS NULL OR device_type = $1)
   AND ($2::text IS NULL OR site = $2)
   AND ($3::text IS NULL OR status = $3)
   AND ($4::text IS NULL OR device_name ILIKE '%' || $4 || '%' OR asset_id ILIKE '%' || $4 || '%')
 ORDER BY device_name, id
 LIMIT $5 OFFSET $6
