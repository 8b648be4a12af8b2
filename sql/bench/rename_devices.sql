-- name: BenchRenameDevices :exec
-- Renames $2 servers (appending "-r" and $1), as a change a refresh has to pick up.
UPDATE network_devices SET device_name = device_name || '-r' || $1::int
 WHERE asset_id IN (SELECT asset_id FROM network_devices WHERE device_type = 'server'
                     ORDER BY asset_id LIMIT $2::int)
