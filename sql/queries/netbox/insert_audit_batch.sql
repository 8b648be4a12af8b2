-- name: NbInsertAuditBatch :exec
-- Records many writes of one actor at once: $6 is a JSON array of {action, id, old, new}.
INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                       entity_id, old_values, new_values)
SELECT $1, $2, $3, $4, e->>'action', $5, e->>'id', e->'old', e->'new'
  FROM jsonb_array_elements($6::text::jsonb) AS e
