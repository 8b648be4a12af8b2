-- name: NbDeviceAssetIds :many
-- Asset ids of the mirrored devices with the given NetBox ids.
SELECT netbox_id, asset_id FROM network_devices WHERE netbox_id = ANY ($1::integer[])
