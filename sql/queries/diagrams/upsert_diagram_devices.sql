-- name: UpsertDiagramDevices :one
-- plan: per call
-- Creates or refreshes, in one statement, the devices drawn in a diagram ($10) and audits each
-- change as made by $6 (from address $7, agent $8, request $9).
WITH input AS (
  SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         AS i (asset_id, device_name, device_type, primary_ip, site)
), prior AS (
  SELECT d.*
    FROM network_devices d
    JOIN input i ON i.asset_id = d.asset_id
), ins AS (
  INSERT INTO network_devices (asset_id, device_name, device_type, primary_ip, site, created_by)
  SELECT i.asset_id, i.device_name, coalesce(i.device_type, 'other'), i.primary_ip::inet, i.site,
         $6
    FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.asset_id = i.asset_id)
  ON CONFLICT (asset_id) DO NOTHING
  RETURNING asset_id, to_jsonb(network_devices.*) AS new_value
), upd AS (
  UPDATE network_devices d
     SET device_name = i.device_name,
         device_type = coalesce(i.device_type, d.device_type),
         primary_ip = coalesce(i.primary_ip::inet, d.primary_ip),
         site = coalesce(i.site, d.site)
    FROM input i
   WHERE d.asset_id = i.asset_id
     AND (d.device_name, d.device_type, d.primary_ip, d.site)
         IS DISTINCT FROM (i.device_name, coalesce(i.device_type, d.device_type),
                           coalesce(i.primary_ip::inet, d.primary_ip), coalesce(i.site, d.site))
  RETURNING d.asset_id, to_jsonb(d.*) AS new_value
), aud AS (
  INSERT INTO audit_log (user_id, user_name, ip_address, user_agent, request_id, action,
                         entity_type, entity_id, old_value, new_value)
  SELECT left($6::text, 100), $6::text, $7::inet, $8, $9, 'create', 'device', ins.asset_id, NULL,
         ins.new_value || jsonb_build_object('diagram_id', $10::text)
    FROM ins
  UNION ALL
  SELECT left($6::text, 100), $6::text, $7::inet, $8, $9, 'update', 'device', upd.asset_id,
         to_jsonb(p.*), upd.new_value || jsonb_build_object('diagram_id', $10::text)
    FROM upd JOIN prior p ON p.asset_id = upd.asset_id
)
SELECT (SELECT count(*) FROM ins)::int AS created, (SELECT count(*) FROM upd)::int AS updated
