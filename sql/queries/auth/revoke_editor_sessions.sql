-- name: RevokeEditorSessions :one
-- Ends every editor session of NetBox user $1 begun up to $2 seconds from now (the clock skew
-- tolerated between NetBox and the server); a later revocation only moves the time forward.
INSERT INTO editor_revocations AS r (netbox_user, not_before, revoked_by)
VALUES ($1, now() + make_interval(secs => $2::int), $3)
ON CONFLICT (netbox_user) DO UPDATE
   SET not_before = greatest(r.not_before, excluded.not_before),
       revoked_by = excluded.revoked_by,
       updated_at = now()
RETURNING netbox_user, not_before
