-- name: NbSyncAdoptDevices :exec
-- plan: per call
-- Binds local devices (no NetBox id yet) to the NetBox devices of the page that have none here:
-- the one whose asset id is the NetBox asset tag, else its NetBox id ("12", or "netbox:12" as
-- earlier syncs named them). The upsert then updates them; they keep their asset id. Each
-- NetBox device binds one local device and each local device one NetBox device.
WITH src AS (
  SELECT s.netbox_id, s.asset_id, s.asset_tag
    FROM jsonb_to_recordset($1::text::jsonb) AS s (netbox_id integer, asset_id text,
         asset_tag text)
   WHERE NOT EXISTS (SELECT 1 FROM network_devices x WHERE x.netbox_id = s.netbox_id)
), candidates AS (
  SELECT src.netbox_id, d.asset_id AS local,
         CASE d.asset_id WHEN src.asset_tag THEN 0 WHEN src.asset_id THEN 1 ELSE 2 END AS rank
    FROM src
    JOIN network_devices d
      ON d.netbox_id IS NULL
     AND d.asset_id IN (src.asset_tag, src.asset_id, 'netbox:' || src.netbox_id)
), one_per_local AS (
  SELECT DISTINCT ON (local) netbox_id, local, rank FROM candidates ORDER BY local, rank, netbox_id
), chosen AS (
  SELECT DISTINCT ON (netbox_id) netbox_id, local FROM one_per_local ORDER BY netbox_id, rank
)
UPDATE network_devices d SET netbox_id = c.netbox_id
  FROM chosen c
 WHERE d.asset_id = c.local
