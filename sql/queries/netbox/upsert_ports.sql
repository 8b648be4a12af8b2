-- name: NbSyncUpsertPorts :many
-- plan: per call
-- Inserts or updates NetBox interfaces as device_ports of mirrored devices; changed rows only.
INSERT INTO device_ports AS t (device_id, port_name, port_type, speed, status, mac_address,
                               vlan_id, description, netbox_id)
SELECT d.asset_id, s.port_name, s.port_type, s.speed, s.status, s.mac_address::macaddr,
       s.vlan_id, s.description, s.netbox_id
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, device_netbox_id integer,
       port_name text, port_type text, speed text, status text, mac_address text,
       vlan_id integer, description text)
  JOIN network_devices d ON d.netbox_id = s.device_netbox_id
ON CONFLICT (netbox_id) WHERE netbox_id IS NOT NULL DO UPDATE SET
  device_id = EXCLUDED.device_id, port_name = EXCLUDED.port_name,
  port_type = EXCLUDED.port_type, speed = EXCLUDED.speed, status = EXCLUDED.status,
  mac_address = EXCLUDED.mac_address, vlan_id = EXCLUDED.vlan_id,
  description = EXCLUDED.description
WHERE (t.device_id, t.port_name, t.port_type, t.speed, t.status, t.mac_address, t.vlan_id,
       t.description)
      IS DISTINCT FROM (EXCLUDED.device_id, EXCLUDED.port_name, EXCLUDED.port_type,
       EXCLUDED.speed, EXCLUDED.status, EXCLUDED.mac_address, EXCLUDED.vlan_id,
       EXCLUDED.description)
RETURNING t.id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
