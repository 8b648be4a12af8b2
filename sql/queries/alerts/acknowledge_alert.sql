-- name: AcknowledgeAlert :one
-- Acknowledges alert $1 by $2; an already acknowledged alert keeps its first acknowledgement.
UPDATE alerts
   SET is_acknowledged = true, acknowledged_by = coalesce(acknowledged_by, $2),
       acknowledged_at = coalesce(acknowledged_at, now())
 WHERE id = $1::bigint
RETURNING id, alert_type, severity, title, message, source, entity_type, entity_id, dedup_key, details,
          is_acknowledged, acknowledged_by, acknowledged_at, resolved, resolved_by, resolved_at,
          created_at, updated_at
