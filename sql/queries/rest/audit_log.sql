-- name: RestAuditLog :many
-- Base rows of /api/audit-log/: the audit trail, read only.
SELECT id, occurred_at, user_name, client_addr, user_agent, request_id, action, entity_type,
       entity_id, old_values, new_values
  FROM audit_log
