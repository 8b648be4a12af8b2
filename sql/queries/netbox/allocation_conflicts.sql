-- name: NbSyncAllocationConflicts :many
-- NetBox addresses (of the given ids) that a local allocation already holds in the same pool.
WITH src AS (
  SELECT a.netbox_id, set_masklen(a.address, CASE family(a.address) WHEN 4 THEN 32 ELSE 128 END)
           AS ip,
         (SELECT p.id FROM ip_pools p
           WHERE p.netbox_prefix_id IS NOT NULL AND p.is_active
             AND p.network >>= set_masklen(a.address,
                                           CASE family(a.address) WHEN 4 THEN 32 ELSE 128 END)
           ORDER BY masklen(p.network) DESC LIMIT 1) AS pool_id
    FROM netbox_ip_addresses a
   WHERE a.netbox_id = ANY ($1::integer[]))
SELECT s.netbox_id, host(s.ip) AS ip_address, p.id AS pool_id, p.name AS pool_name,
       l.id AS allocation_id, l.asset_id, l.device_name
  FROM src s
  JOIN ip_pools p ON p.id = s.pool_id
  JOIN ip_allocations l ON l.pool_id = s.pool_id AND l.is_active AND l.ip_address = s.ip
                       AND l.netbox_id IS DISTINCT FROM s.netbox_id
