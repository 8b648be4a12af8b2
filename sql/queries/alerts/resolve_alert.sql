-- name: ResolveAlert :one
-- Resolves alert $1 by $2; an already resolved alert keeps its first resolution.
UPDATE alerts
   SET resolved = true, resolved_by = coalesce(resolved_by, $2),
       resolved_at = coalesce(resolved_at, now())
 WHERE id = $1::bigint
RETURNING id, alert_type, severity, title, message, source, entity_type, entity_id, dedup_key, details,
          is_acknowledged, acknowledged_by, acknowledged_at, resolved, resolved_by, resolved_at,
          created_at, updated_at
