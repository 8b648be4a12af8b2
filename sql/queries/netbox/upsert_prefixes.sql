-- name: NbSyncUpsertPrefixes :many
-- plan: per call
-- Inserts or updates the mirror of NetBox prefixes; returns only rows that changed.
INSERT INTO netbox_prefixes AS t (netbox_id, prefix, vrf, status, role, is_pool, tags, site,
                                  vlan_vid, description, selected, netbox_updated_at)
SELECT s.netbox_id, s.prefix::cidr, s.vrf, s.status, s.role, s.is_pool, s.tags, s.site,
       s.vlan_vid, s.description, s.selected, s.netbox_updated_at
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, prefix text, vrf text,
       status text, role text, is_pool boolean, tags text[], site text, vlan_vid integer,
       description text, selected boolean, netbox_updated_at timestamptz)
ON CONFLICT (netbox_id) DO UPDATE SET
  prefix = EXCLUDED.prefix, vrf = EXCLUDED.vrf, status = EXCLUDED.status, role = EXCLUDED.role,
  is_pool = EXCLUDED.is_pool, tags = EXCLUDED.tags, site = EXCLUDED.site,
  vlan_vid = EXCLUDED.vlan_vid, description = EXCLUDED.description,
  selected = EXCLUDED.selected, netbox_updated_at = EXCLUDED.netbox_updated_at,
  synced_at = now()
WHERE (t.prefix, t.vrf, t.status, t.role, t.is_pool, t.tags, t.site, t.vlan_vid, t.description,
       t.selected)
      IS DISTINCT FROM (EXCLUDED.prefix, EXCLUDED.vrf, EXCLUDED.status, EXCLUDED.role,
       EXCLUDED.is_pool, EXCLUDED.tags, EXCLUDED.site, EXCLUDED.vlan_vid, EXCLUDED.description,
       EXCLUDED.selected)
RETURNING t.netbox_id AS id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
