-- name: NbDeleteMirrored :many
-- Deletes the mirror of one NetBox object of stage $1 with NetBox id $2; id is the row's key as
-- text (a device's asset id).
WITH s AS (DELETE FROM sites t WHERE $1 = 'sites' AND t.netbox_id = $2
           RETURNING t.id::text AS id, t.netbox_id, to_jsonb(t) AS row),
v AS (DELETE FROM vlans t WHERE $1 = 'vlans' AND t.netbox_id = $2
      RETURNING t.id::text AS id, t.netbox_id, to_jsonb(t) AS row),
d AS (DELETE FROM network_devices t WHERE $1 = 'devices' AND t.netbox_id = $2
      RETURNING t.asset_id AS id, t.netbox_id, to_jsonb(t) AS row),
i AS (DELETE FROM device_ports t WHERE $1 = 'interfaces' AND t.netbox_id = $2
      RETURNING t.id::text AS id, t.netbox_id, to_jsonb(t) AS row),
c AS (DELETE FROM netbox_cables t WHERE $1 = 'cables' AND t.netbox_id = $2
      RETURNING t.netbox_id::text AS id, t.netbox_id, to_jsonb(t) AS row),
p AS (DELETE FROM netbox_prefixes t WHERE $1 = 'prefixes' AND t.netbox_id = $2
      RETURNING t.netbox_id::text AS id, t.netbox_id, to_jsonb(t) AS row),
a AS (DELETE FROM netbox_ip_addresses t WHERE $1 = 'ip_addresses' AND t.netbox_id = $2
      RETURNING t.netbox_id::text AS id, t.netbox_id, to_jsonb(t) AS row)
SELECT * FROM s UNION ALL SELECT * FROM v UNION ALL SELECT * FROM d UNION ALL SELECT * FROM i
UNION ALL SELECT * FROM c UNION ALL SELECT * FROM p UNION ALL SELECT * FROM a
