-- name: OpenDeviceDownAlerts :many
-- Unresolved device_down alerts raised by the prober (its state after a restart).
SELECT dedup_key FROM alerts
 WHERE alert_type = 'device_down' AND NOT resolved AND source = 'prober';
