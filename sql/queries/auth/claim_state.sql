-- name: ClaimServerState :one
-- Records fact $1 once; returns a row only for the caller that recorded it first.
INSERT INTO server_state (key, value) VALUES ($1, $2::jsonb)
ON CONFLICT (key) DO NOTHING
RETURNING key
