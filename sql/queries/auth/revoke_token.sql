-- name: RevokeToken :one
-- Revokes token $1 (once; revoking again keeps the first time) and returns it.
UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
 WHERE id = $1
RETURNING id, key_prefix, user_name, scope, revoked_at
