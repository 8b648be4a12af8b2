-- name: ListDevices :many
-- Devices filtered by type, site, status and a free-text match on name or asset id, each row
-- with the count of all matching devices; $5 limits (NULL: every device), $6 skips.
SELECT asset_id, device_name, device_type, vendor, model, serial_number, location, rack_position,
       status, site, host(primary_ip) AS primary_ip, host(management_ip) AS management_ip,
       netbox_id, metadata, created_at, updated_at, created_by, count(*) OVER ()::int AS total
  FROM network_devices
 WHERE ($1::text IS NULL OR device_type = $1)
   AND ($2::text IS NULL OR site = $2)
   AND ($3::text IS NULL OR status = $3)
   AND ($4::text IS NULL OR device_name ILIKE '%' || $4 || '%' OR asset_id ILIKE '%' || $4 || '%')
 ORDER BY device_name, asset_id
 LIMIT $5 OFFSET $6
