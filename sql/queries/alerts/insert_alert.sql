-- name: InsertAlert :one
-- Raises an alert unless one with the same dedup key is still open; returns nothing then.
INSERT INTO alerts (alert_type, severity, title, message, source, entity_type, entity_id, dedup_key,
                    details)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb)
ON CONFLICT (dedup_key) WHERE NOT resolved AND dedup_key IS NOT NULL DO NOTHING
RETURNING id, alert_type, severity, title, message, source, entity_type, entity_id, dedup_key, details,
          is_acknowledged, acknowledged_by, acknowledged_at, resolved, resolved_by, resolved_at,
          created_at, updated_at
