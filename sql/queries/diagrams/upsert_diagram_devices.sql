-- name: UpsertDiagramDevices :one
-- plan: per call
-- Creates or refreshes, in one statement, the devices drawn in a diagram and audits each change.
WITH input AS (
  SELECT *
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         AS i (asset_id, device_name, device_type, primary_ip, site)
), prior AS (
  SELECT d.*
    FROM network_devices d
    JOIN input i ON i.asset_id = d.asset_id
), ins AS (
  INSERT INTO network_devices (asset_id, device_name, device_type, primary_ip, site)
  SELECT i.asset_id, i.device_name, coalesce(i.device_type, 'other'), i.primary_ip::inet, i.site
    FROM input i
   WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.asset_id = i.asset_id)
  ON CONFLICT (asset_id) DO NOTHING
  RETURNING id, to_jsonb(network_devices.*) AS new_values
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
  RETURNING d.id, to_jsonb(d.*) AS new_values
), aud AS (
  INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                         entity_id, old_values, new_values)
  SELECT $6, $7, $8, $9, 'create', 'network_device', ins.id::text, NULL,
         ins.new_values || jsonb_build_object('diagram_id', $10::bigint)
    FROM ins
  UNION ALL
  SELECT $6, $7, $8, $9, 'update', 'network_device', upd.id::text, to_jsonb(p.*),
         upd.new_values || jsonb_build_object('diagram_id', $10::bigint)
    FROM upd JOIN prior p ON p.id = upd.id
)
SELECT (SELECT count(*) FROM ins)::int AS created, (SELECT count(*) FROM upd)::int AS updated
