-- name: FindTokenByHash :one
-- The token whose key hashes to $1, revoked or not, so callers can say why it is refused.
SELECT id, key_prefix, user_name, scope,
       ARRAY(SELECT n::text FROM unnest(allowed_networks) n) AS allowed_networks,
       expires_at, last_used_at, revoked_at
  FROM api_tokens
 WHERE key_hash = $1
