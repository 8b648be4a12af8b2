-- name: DeviceExists :one
-- The asset id of device $1 when it exists, its row locked against a concurrent delete.
SELECT asset_id FROM network_devices WHERE asset_id = $1 FOR KEY SHARE
