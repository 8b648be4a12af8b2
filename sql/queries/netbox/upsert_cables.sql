-- name: NbSyncUpsertCables :many
-- plan: per call
-- Inserts or updates the mirror of NetBox cables; returns only rows that changed.
INSERT INTO netbox_cables AS t (netbox_id, status, label, a_interfaces, b_interfaces, a_types,
                                b_types, netbox_updated_at)
SELECT s.netbox_id, s.status, s.label, s.a_interfaces, s.b_interfaces, s.a_types, s.b_types,
       s.netbox_updated_at
  FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, status text, label text,
       a_interfaces integer[], b_interfaces integer[], a_types text[], b_types text[],
       netbox_updated_at timestamptz)
ON CONFLICT (netbox_id) DO UPDATE SET
  status = EXCLUDED.status, label = EXCLUDED.label, a_interfaces = EXCLUDED.a_interfaces,
  b_interfaces = EXCLUDED.b_interfaces, a_types = EXCLUDED.a_types, b_types = EXCLUDED.b_types,
  netbox_updated_at = EXCLUDED.netbox_updated_at, synced_at = now()
WHERE (t.status, t.label, t.a_interfaces, t.b_interfaces, t.a_types, t.b_types)
      IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.label, EXCLUDED.a_interfaces,
       EXCLUDED.b_interfaces, EXCLUDED.a_types, EXCLUDED.b_types)
RETURNING t.netbox_id AS id, t.netbox_id, (xmax = 0) AS inserted, to_jsonb(t) AS row
