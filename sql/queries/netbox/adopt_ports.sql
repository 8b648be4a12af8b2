-- name: NbSyncAdoptPorts :exec
-- plan: per call
-- Binds local ports to NetBox interfaces with the same device and name.
UPDATE device_ports p SET netbox_id = s.netbox_id
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, device_netbox_id integer,
       port_name text)
  JOIN network_devices d ON d.netbox_id = s.device_netbox_id
 WHERE p.device_id = d.asset_id AND p.port_name = s.port_name AND p.netbox_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM device_ports x WHERE x.netbox_id = s.netbox_id)
