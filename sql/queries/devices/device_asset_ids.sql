-- name: DeviceAssetIds :many
-- Ids and asset ids of the devices whose id is in $1 or whose asset id is in $2, for events.
SELECT id, asset_id FROM network_devices
 WHERE id = ANY($1::int8[]) OR asset_id = ANY($2::text[])
 ORDER BY id
