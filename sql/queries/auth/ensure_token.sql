-- name: EnsureToken :one
-- Stores a provisioned key's token unless a token with the same hash exists; returns its id.
WITH added AS (
  INSERT INTO api_tokens (key_hash, key_prefix, user_name, scope, description)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (key_hash) DO NOTHING
  RETURNING id
)
SELECT id FROM added
UNION ALL
SELECT id FROM api_tokens WHERE key_hash = $1
LIMIT 1
