-- name: MarkRangesReady :exec
-- Records that pool $1's free ranges are current and how many addresses it excludes.
UPDATE ip_pool_state SET ranges_ready = true, excluded_count = $2::numeric WHERE pool_id = $1::text
