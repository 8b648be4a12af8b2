-- name: NbSyncUpsertDevices :many
-- plan: per call
-- Inserts or updates NetBox devices as network_devices; returns only rows that changed. A
-- device already here (by NetBox id) keeps its asset id; a new one is keyed by its NetBox id as
-- text, or "netbox:<id>" when a local device holds that asset id already.
INSERT INTO network_devices AS t (asset_id, device_name, device_type, vendor, model,
                                  serial_number, status, site, location, rack_position,
                                  primary_ip, netbox_id, metadata, created_by)
SELECT CASE WHEN EXISTS (SELECT 1 FROM network_devices x WHERE x.asset_id = s.asset_id)
            THEN 'netbox:' || s.netbox_id ELSE s.asset_id END,
       s.device_name, s.device_type, s.vendor, s.model, s.serial_number, s.status, s.site,
       s.location, s.rack_position, s.primary_ip::inet, s.netbox_id, s.metadata, 'netbox-sync'
  FROM jsonb_to_recordset($1::text::jsonb) AS s (asset_id text, device_name text, device_type text,
       vendor text, model text, serial_number text, status text, site text, location text,
       rack_position text, primary_ip text, netbox_id integer, metadata jsonb)
ON CONFLICT (netbox_id) WHERE netbox_id IS NOT NULL DO UPDATE SET
  device_name = EXCLUDED.device_name,
  device_type = EXCLUDED.device_type, vendor = EXCLUDED.vendor, model = EXCLUDED.model,
  serial_number = EXCLUDED.serial_number, status = EXCLUDED.status, site = EXCLUDED.site,
  location = EXCLUDED.location, rack_position = EXCLUDED.rack_position,
  primary_ip = EXCLUDED.primary_ip, metadata = t.metadata || EXCLUDED.metadata
WHERE (t.device_name, t.device_type, t.vendor, t.model, t.serial_number, t.status, t.site,
       t.location, t.rack_position, t.primary_ip, t.metadata @> EXCLUDED.metadata)
      IS DISTINCT FROM (EXCLUDED.device_name, EXCLUDED.device_type, EXCLUDED.vendor,
       EXCLUDED.model, EXCLUDED.serial_number, EXCLUDED.status, EXCLUDED.site,
       EXCLUDED.location, EXCLUDED.rack_position, EXCLUDED.primary_ip, true)
RETURNING t.asset_id AS id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
