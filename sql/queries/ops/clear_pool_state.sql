-- name: ClearPoolState :exec
-- Drops the pool state rows that triggers made while pools were restored, before the backup's own.
DELETE FROM ip_pool_state
