-- name: NbSyncUpsertPools :many
-- plan: per call
-- Creates or updates the IP pools of the selected prefixes among the given NetBox ids.
INSERT INTO ip_pools AS t (name, network, vlan_id, pool_type, description, site, is_active,
                           netbox_prefix_id)
SELECT p.prefix::text || coalesce(' vrf ' || p.vrf, '') || ' (netbox ' || p.netbox_id || ')',
       p.prefix, CASE WHEN p.vlan_vid BETWEEN 1 AND 4094 THEN p.vlan_vid END,
       CASE p.role WHEN 'management' THEN 'management' WHEN 'loopback' THEN 'loopback'
                   ELSE 'static' END,
       p.description, p.site, p.status IN ('active', 'reserved', 'container'), p.netbox_id
  FROM netbox_prefixes p
 WHERE p.netbox_id = ANY ($1::integer[]) AND p.selected
ON CONFLICT (netbox_prefix_id) DO UPDATE SET
  name = EXCLUDED.name, network = EXCLUDED.network, vlan_id = EXCLUDED.vlan_id,
  pool_type = EXCLUDED.pool_type, description = EXCLUDED.description, site = EXCLUDED.site,
  is_active = EXCLUDED.is_active
WHERE (t.name, t.network, t.vlan_id, t.pool_type, t.description, t.site, t.is_active)
      IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.network, EXCLUDED.vlan_id, EXCLUDED.pool_type,
       EXCLUDED.description, EXCLUDED.site, EXCLUDED.is_active)
RETURNING t.id, t.netbox_prefix_id AS netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
