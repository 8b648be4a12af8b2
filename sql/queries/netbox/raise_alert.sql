-- name: NbRaiseAlert :one
-- Raises an alert once per open condition (dedup_key); returns it only when newly raised.
INSERT INTO alerts (alert_type, severity, title, message, source, entity_type, entity_id,
                    dedup_key, details)
VALUES ($1, $2, $3, $4, 'netbox-sync', $5, $6, $7, $8::text::jsonb)
ON CONFLICT (dedup_key) WHERE NOT resolved AND dedup_key IS NOT NULL DO NOTHING
RETURNING id, alert_type, severity, title, dedup_key
