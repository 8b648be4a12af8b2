-- name: NbOutboxEnqueue :many
-- Queues pushes to NetBox: local allocations in NetBox pools that NetBox lacks (create) and
-- released allocations NetBox still has (delete). The dedup key makes each happen once.
INSERT INTO netbox_outbox (action, dedup_key, allocation_id, payload)
SELECT 'create_ip', 'create_ip:' || l.id, l.id,
       jsonb_build_object('address', host(l.ip_address) || '/' || masklen(p.network),
                          'status', 'active',
                          'dns_name', coalesce(l.hostname, ''),
                          'description', coalesce(nullif(l.notes, ''),
                                                  'ArchiFlow: ' || coalesce(l.device_name,
                                                                            l.asset_id)),
                          'device_netbox_id', d.netbox_id,
                          -- assigned only when the device's interface is unambiguous
                          'interface_netbox_id', (SELECT min(dp.netbox_id) FROM device_ports dp
                                                   WHERE dp.device_id = d.asset_id
                                                  HAVING count(*) = 1))
  FROM ip_allocations l
  JOIN ip_pools p ON p.id = l.pool_id AND p.netbox_prefix_id IS NOT NULL
  LEFT JOIN network_devices d ON d.asset_id = l.asset_id AND l.asset_id <> ''
 WHERE l.is_active AND l.netbox_id IS NULL
UNION ALL
SELECT 'delete_ip', 'delete_ip:' || l.id, l.id,
       jsonb_build_object('netbox_id', l.netbox_id, 'address', host(l.ip_address))
  FROM ip_allocations l
 WHERE NOT l.is_active AND l.netbox_id IS NOT NULL
   AND l.released_by IS DISTINCT FROM 'netbox-sync'
ON CONFLICT (dedup_key) DO NOTHING
RETURNING id, action, allocation_id
