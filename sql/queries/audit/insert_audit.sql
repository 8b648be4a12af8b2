-- name: InsertAudit :exec
-- Records one write: who did it ($1, as user_id and user_name: the same name for now; user_id
-- holds at most 100 characters), from where ($2 an IP address or null), what changed.
INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                       entity_type, entity_id, old_value, new_value)
VALUES (left($1::text, 100), $1::text, $2::inet, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
