-- name: RestAuditLog :many
-- Base rows of /api/audit-log/: the audit trail, read only.
SELECT id, created_at, action, entity_type, entity_id, user_id, user_name, ip_address,
       user_agent, request_id, old_value, new_value
  FROM audit_log
