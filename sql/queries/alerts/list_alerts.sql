-- name: ListAlerts :many
-- Alerts matching the optional filters, newest first, with the total count of matches.
SELECT id, alert_type, severity, title, message, source, entity_type, entity_id, dedup_key, details,
          is_acknowledged, acknowledged_by, acknowledged_at, resolved, resolved_by, resolved_at,
          created_at, updated_at,
       count(*) OVER () AS total_count
  FROM alerts
 WHERE ($1::text IS NULL OR alert_type = $1)
   AND ($2::text IS NULL OR severity = $2)
   AND ($3::boolean IS NULL OR is_acknowledged = $3)
   AND ($4::boolean IS NULL OR resolved = $4)
   AND ($5::text IS NULL OR source = $5)
   AND ($6::text IS NULL OR entity_type = $6)
   AND ($7::text IS NULL OR entity_id = $7)
 ORDER BY created_at DESC, id DESC
 LIMIT $8 OFFSET $9
