-- name: ListTokens :many
-- Every token without its hash, newest first.
SELECT id, key_prefix, user_name, scope, description,
       ARRAY(SELECT n::text FROM unnest(allowed_networks) n) AS allowed_networks,
       expires_at, last_used_at, created_at, revoked_at
  FROM api_tokens
 ORDER BY id DESC
