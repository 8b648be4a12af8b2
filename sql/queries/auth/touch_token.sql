-- name: TouchToken :exec
-- Records a use of token $1, at most once a minute so busy tokens do not write on every call.
UPDATE api_tokens SET last_used_at = now()
 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
