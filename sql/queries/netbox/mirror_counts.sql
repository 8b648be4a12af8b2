-- name: NbMirrorCounts :one
-- How many NetBox objects the mirror holds, by kind.
SELECT (SELECT count(*) FROM sites WHERE netbox_id IS NOT NULL) AS sites,
       (SELECT count(*) FROM network_devices WHERE netbox_id IS NOT NULL) AS devices,
       (SELECT count(*) FROM device_ports WHERE netbox_id IS NOT NULL) AS interfaces,
       (SELECT count(*) FROM netbox_cables) AS cables,
       (SELECT count(*) FROM device_ports WHERE netbox_cable_id IS NOT NULL) / 2 AS connections,
       (SELECT count(*) FROM netbox_prefixes) AS prefixes,
       (SELECT count(*) FROM ip_pools WHERE netbox_prefix_id IS NOT NULL AND is_active) AS pools,
       (SELECT count(*) FROM netbox_ip_addresses) AS ip_addresses,
       (SELECT count(*) FROM ip_allocations WHERE netbox_id IS NOT NULL AND is_active)
         AS allocations,
       (SELECT count(*) FROM vlans WHERE netbox_id IS NOT NULL) AS vlans
