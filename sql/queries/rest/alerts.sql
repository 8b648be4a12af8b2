-- name: RestAlerts :many
-- Base rows of /api/alerts/: alerts raised by the system, open and resolved.
SELECT id, alert_type, severity, title, message, source, entity_type, entity_id, dedup_key,
       details, is_acknowledged, acknowledged_by, acknowledged_at, resolved, resolved_by,
       resolved_at, created_at, updated_at
  FROM alerts
