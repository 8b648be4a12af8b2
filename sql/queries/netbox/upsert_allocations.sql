-- name: NbSyncUpsertAllocations :many
-- plan: per call
-- Mirrors NetBox addresses (of the given ids, minus those in $2) as allocations in the most
-- specific active pool of a selected prefix that contains them (asset id '' for an address on
-- no mirrored device); returns rows that changed, with the pool each was in before (a moved
-- address leaves a pool whose free ranges must be rebuilt).
WITH before AS (
  SELECT netbox_id, pool_id FROM ip_allocations WHERE netbox_id = ANY ($1::integer[])
), src AS (
  SELECT a.netbox_id, set_masklen(a.address, CASE family(a.address) WHEN 4 THEN 32 ELSE 128 END)
           AS ip, a.dns_name, a.description AS notes, coalesce(d.asset_id, '') AS asset_id,
         d.device_name, d.device_type,
         (SELECT p.id FROM ip_pools p
           WHERE p.netbox_prefix_id IS NOT NULL AND p.is_active
             AND p.network >>= set_masklen(a.address,
                                           CASE family(a.address) WHEN 4 THEN 32 ELSE 128 END)
           ORDER BY masklen(p.network) DESC LIMIT 1) AS pool_id
    FROM netbox_ip_addresses a
    LEFT JOIN network_devices d ON d.netbox_id = a.device_netbox_id
   WHERE a.netbox_id = ANY ($1::integer[]) AND NOT a.netbox_id = ANY ($2::integer[])
     AND a.status IN ('active', 'reserved', 'dhcp', 'slaac'))
INSERT INTO ip_allocations AS t (pool_id, ip_address, asset_id, device_name, device_type,
                                 hostname, notes, allocated_by, netbox_id)
SELECT s.pool_id, s.ip, s.asset_id, s.device_name, s.device_type, nullif(s.dns_name, ''),
       s.notes, 'netbox-sync', s.netbox_id
  FROM src s WHERE s.pool_id IS NOT NULL
ON CONFLICT (netbox_id) WHERE netbox_id IS NOT NULL DO UPDATE SET
  pool_id = EXCLUDED.pool_id, ip_address = EXCLUDED.ip_address, asset_id = EXCLUDED.asset_id,
  device_name = EXCLUDED.device_name, device_type = EXCLUDED.device_type,
  hostname = EXCLUDED.hostname, notes = EXCLUDED.notes,
  is_active = true, released_at = NULL, released_by = NULL
WHERE (t.pool_id, t.ip_address, t.asset_id, t.device_name, t.device_type, t.hostname,
       t.notes, t.is_active)
      IS DISTINCT FROM (EXCLUDED.pool_id, EXCLUDED.ip_address, EXCLUDED.asset_id,
       EXCLUDED.device_name, EXCLUDED.device_type, EXCLUDED.hostname, EXCLUDED.notes, true)
RETURNING t.id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row, t.pool_id,
          (SELECT b.pool_id FROM before b WHERE b.netbox_id = t.netbox_id) AS old_pool_id
