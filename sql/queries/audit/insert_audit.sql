-- name: InsertAudit :exec
-- Records one write: who did it, from where, what changed.
INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                       entity_id, old_values, new_values)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
