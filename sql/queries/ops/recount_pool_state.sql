-- name: RecountPoolState :exec
-- Sets each pool's active counter from its restored allocations (triggers may have counted twice).
UPDATE ip_pool_state s
   SET active_count = (SELECT count(*) FROM ip_allocations a WHERE a.pool_id = s.pool_id AND a.is_active)
