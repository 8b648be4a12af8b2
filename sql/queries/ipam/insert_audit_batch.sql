-- name: InsertAuditBatch :exec
-- Writes several audit rows at once from a JSON array of entries (one per coalesced call).
-- ip_address is the client's address when it is one (the caller checks it), else null;
-- user_id is the user name cut to the column's 100 characters.
INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                       entity_type, entity_id, old_value, new_value)
SELECT left(user_id, 100), user_name, ip_address::inet, user_agent, request_id, action, entity_type,
       entity_id, old_value, new_value
  FROM jsonb_to_recordset($1::text::jsonb) AS x(user_id text, user_name text, ip_address text,
       user_agent text, request_id text, action text, entity_type text, entity_id text,
       old_value jsonb, new_value jsonb)
