-- name: CountDevices :one
-- How many devices match the filters of ListDevices (when the page asked for holds none).
SELECT count(*)::int AS total
  FROM network_devices
 WHERE ($1::text IS NULL OR device_type = $1)
   AND ($2::text IS NULL OR site = $2)
   AND ($3::text IS NULL OR status = $3)
   AND ($4::text IS NULL OR device_name ILIKE '%' || $4 || '%' OR asset_id ILIKE '%' || $4 || '%')
