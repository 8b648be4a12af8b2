-- name: DeviceAssetIds :many
-- Which of the asset ids $1 name existing devices, for events.
SELECT asset_id FROM network_devices WHERE asset_id = ANY($1::text[]) ORDER BY asset_id
