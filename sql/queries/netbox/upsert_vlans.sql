-- name: NbSyncUpsertVlans :many
-- plan: per call
-- Inserts or updates NetBox VLANs from a JSON array; returns only rows that changed.
INSERT INTO vlans AS t (netbox_id, vid, name, status, site, group_name, description,
                        netbox_updated_at)
SELECT s.netbox_id, s.vid, s.name, s.status, s.site, s.group_name, s.description,
       s.netbox_updated_at
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, vid integer, name text,
       status text, site text, group_name text, description text, netbox_updated_at timestamptz)
ON CONFLICT (netbox_id) DO UPDATE SET
  vid = EXCLUDED.vid, name = EXCLUDED.name, status = EXCLUDED.status, site = EXCLUDED.site,
  group_name = EXCLUDED.group_name, description = EXCLUDED.description,
  netbox_updated_at = EXCLUDED.netbox_updated_at
WHERE (t.vid, t.name, t.status, t.site, t.group_name, t.description)
      IS DISTINCT FROM (EXCLUDED.vid, EXCLUDED.name, EXCLUDED.status, EXCLUDED.site,
       EXCLUDED.group_name, EXCLUDED.description)
RETURNING t.id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
