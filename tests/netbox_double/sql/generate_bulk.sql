-- name: NbGenerateBulk :one
-- Adds $1 devices with $2 interfaces each to the double's NetBox database (benchmarks).
WITH refs AS (
  SELECT (SELECT min(id) FROM dcim_devicetype) AS device_type_id,
         (SELECT min(id) FROM dcim_devicerole) AS role_id,
         (SELECT min(id) FROM dcim_site) AS site_id),
devs AS (
  INSERT INTO dcim_device (created, last_updated, custom_field_data, name, serial, status,
                           comments, role_id, device_type_id, site_id, description,
                           console_port_count, console_server_port_count, power_port_count,
                           power_outlet_count, interface_count, front_port_count,
                           rear_port_count, device_bay_count, module_bay_count,
                           inventory_item_count)
  SELECT now(), now(), '{}', 'bench-dev-' || g, 'SN' || g, 'active', '', refs.role_id,
         refs.device_type_id, refs.site_id, '', 0, 0, 0, 0, $2, 0, 0, 0, 0, 0
    FROM refs, generate_series(1, $1::integer) AS g
  RETURNING id),
ifs AS (
  INSERT INTO dcim_interface (created, last_updated, custom_field_data, name, label, description,
                              mark_connected, enabled, _name, type, mgmt_only, device_id, speed)
  SELECT now(), now(), '{}', 'eth' || n, '', '', false, true, 'eth' || lpad(n::text, 5, '0'),
         '10gbase-x-sfpp', false, devs.id, 10000000
    FROM devs, generate_series(1, $2::integer) AS n
  RETURNING id)
SELECT (SELECT count(*) FROM devs) AS devices, (SELECT count(*) FROM ifs) AS interfaces
