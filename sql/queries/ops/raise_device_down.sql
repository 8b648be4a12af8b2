-- name: RaiseDeviceDown :one
-- Opens a device_down alert about device $3 (its asset id) unless one is already open for it.
INSERT INTO alerts (alert_type, severity, title, message, source, entity_type, entity_id,
                    dedup_key, details)
VALUES ('device_down', 'critical', $1, $2, 'prober', 'device', $3, $4, $5::jsonb)
ON CONFLICT (dedup_key) WHERE NOT resolved AND dedup_key IS NOT NULL DO NOTHING
RETURNING *;
