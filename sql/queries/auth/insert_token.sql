-- name: InsertToken :one
-- Stores a new token by the hash of its key; the key itself is never stored.
INSERT INTO api_tokens (key_hash, key_prefix, user_name, scope, description, allowed_networks,
                        expires_at)
VALUES ($1, $2, $3, $4, $5, $6::cidr[], $7)
RETURNING id, key_prefix, user_name, scope, description,
          ARRAY(SELECT n::text FROM unnest(allowed_networks) n) AS allowed_networks,
          expires_at, last_used_at, created_at, revoked_at
