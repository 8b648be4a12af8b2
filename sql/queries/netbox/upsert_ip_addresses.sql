-- name: NbSyncUpsertIpAddresses :many
-- plan: per call
-- Inserts or updates the mirror of NetBox IP addresses; returns only rows that changed.
INSERT INTO netbox_ip_addresses AS t (netbox_id, address, vrf, status, dns_name, description,
                                      interface_netbox_id, device_netbox_id, netbox_updated_at)
SELECT s.netbox_id, s.address::inet, s.vrf, s.status, s.dns_name, s.description,
       s.interface_netbox_id, s.device_netbox_id, s.netbox_updated_at
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, address text, vrf text,
       status text, dns_name text, description text, interface_netbox_id integer,
       device_netbox_id integer, netbox_updated_at timestamptz)
ON CONFLICT (netbox_id) DO UPDATE SET
  address = EXCLUDED.address, vrf = EXCLUDED.vrf, status = EXCLUDED.status,
  dns_name = EXCLUDED.dns_name, description = EXCLUDED.description,
  interface_netbox_id = EXCLUDED.interface_netbox_id,
  device_netbox_id = EXCLUDED.device_netbox_id, netbox_updated_at = EXCLUDED.netbox_updated_at,
  synced_at = now()
WHERE (t.address, t.vrf, t.status, t.dns_name, t.description, t.interface_netbox_id,
       t.device_netbox_id)
      IS DISTINCT FROM (EXCLUDED.address, EXCLUDED.vrf, EXCLUDED.status, EXCLUDED.dns_name,
       EXCLUDED.description, EXCLUDED.interface_netbox_id, EXCLUDED.device_netbox_id)
RETURNING t.netbox_id AS id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
