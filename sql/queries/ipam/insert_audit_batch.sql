-- name: InsertAuditBatch :exec
-- Writes several audit rows at once from a JSON array of entries (one per coalesced call).
INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                       entity_id, old_values, new_values)
SELECT user_name, client_addr, user_agent, request_id, action, entity_type, entity_id,
       old_values, new_values
  FROM jsonb_to_recordset($1::text::jsonb) AS x(user_name text, client_addr text, user_agent text,
       request_id text, action text, entity_type text, entity_id text, old_values jsonb,
       new_values jsonb)
