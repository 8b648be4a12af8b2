-- name: LockRestObject :one
-- Serialises REST writes to one object (resource $1, id $2) until the transaction ends, so an
-- If-Match check and the write it guards cannot interleave with another REST write.
SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2::text, 0)) IS NULL AS locked
