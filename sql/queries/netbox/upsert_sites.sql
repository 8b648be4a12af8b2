-- name: NbSyncUpsertSites :many
-- plan: per call
-- Inserts or updates NetBox sites from a JSON array; returns only rows that changed.
INSERT INTO sites AS t (netbox_id, name, slug, status, description, region, tenant, time_zone,
                        latitude, longitude, netbox_updated_at)
SELECT s.netbox_id, s.name, s.slug, s.status, s.description, s.region, s.tenant, s.time_zone,
       s.latitude, s.longitude, s.netbox_updated_at
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, name text, slug text, status text,
       description text, region text, tenant text, time_zone text, latitude numeric,
       longitude numeric, netbox_updated_at timestamptz)
ON CONFLICT (netbox_id) DO UPDATE SET
  name = EXCLUDED.name, slug = EXCLUDED.slug, status = EXCLUDED.status,
  description = EXCLUDED.description, region = EXCLUDED.region, tenant = EXCLUDED.tenant,
  time_zone = EXCLUDED.time_zone, latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
  netbox_updated_at = EXCLUDED.netbox_updated_at
WHERE (t.name, t.slug, t.status, t.description, t.region, t.tenant, t.time_zone, t.latitude,
       t.longitude)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.slug, EXCLUDED.status, EXCLUDED.description,
       EXCLUDED.region, EXCLUDED.tenant, EXCLUDED.time_zone, EXCLUDED.latitude, EXCLUDED.longitude)
RETURNING t.id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
