-- name: NbInsertAuditBatch :exec
-- Records many writes of one actor at once: $6 is a JSON array of {action, id, old, new} with
-- an optional entity_type that overrides $5. $2 is the client's address when it is an IP;
-- user_id is the user name cut to the column's 100 characters.
INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                       entity_type, entity_id, old_value, new_value)
SELECT left($1::text, 100), $1::text, $2::inet, $3, $4, e->>'action', coalesce(e->>'entity_type', $5), e->>'id',
       e->'old', e->'new'
  FROM jsonb_array_elements($6::text::jsonb) AS e
