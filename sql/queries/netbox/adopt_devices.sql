-- name: NbSyncAdoptDevices :exec
-- plan: per call
-- Binds local devices to NetBox devices with the same asset id, so the upsert updates them.
UPDATE network_devices d SET netbox_id = s.netbox_id
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, asset_id text)
 WHERE d.asset_id = s.asset_id AND d.netbox_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM network_devices x WHERE x.netbox_id = s.netbox_id)
