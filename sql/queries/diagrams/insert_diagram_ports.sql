-- name: InsertDiagramPorts :one
-- Creates the device ports a diagram's links name that do not exist yet, auditing each one.
WITH input AS (
  SELECT DISTINCT asset_id, port_name
    FROM unnest($1::text[], $2::text[]) AS i (asset_id, port_name)
), ins AS (
  INSERT INTO device_ports (device_id, port_name)
  SELECT d.id, i.port_name
    FROM input i
    JOIN network_devices d ON d.asset_id = i.asset_id
  ON CONFLICT (device_id, port_name) DO NOTHING
  RETURNING id, to_jsonb(device_ports.*) AS new_values
), aud AS (
  INSERT INTO audit_log (user_name, client_addr, user_agent, request_id, action, entity_type,
                         entity_id, old_values, new_values)
  SELECT $3, $4, $5, $6, 'create', 'device_port', ins.id::text, NULL,
         ins.new_values || jsonb_build_object('diagram_id', $7::bigint)
    FROM ins
)
SELECT count(*)::int AS created FROM ins
