-- name: CountTokens :one
-- How many tokens exist, revoked ones included.
SELECT count(*)::int AS count FROM api_tokens
