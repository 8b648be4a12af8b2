-- name: ResolveAlertsByKey :many
-- Resolves the open alert for the condition $1 (it no longer holds), by $2.
UPDATE alerts SET resolved = true, resolved_by = $2, resolved_at = now()
 WHERE dedup_key = $1 AND NOT resolved
RETURNING id, alert_type, severity, title, message, source, entity_type, entity_id, dedup_key, details,
          is_acknowledged, acknowledged_by, acknowledged_at, resolved, resolved_by, resolved_at,
          created_at, updated_at
