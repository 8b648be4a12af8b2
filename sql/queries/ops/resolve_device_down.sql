-- name: ResolveDeviceDown :one
-- Resolves the open device_down alert of a device that answers again.
UPDATE alerts
   SET resolved = true, resolved_at = now(), resolved_by = 'prober',
       details = details || jsonb_build_object('recovered', $2::jsonb)
 WHERE dedup_key = $1 AND NOT resolved AND alert_type = 'device_down'
RETURNING *;
