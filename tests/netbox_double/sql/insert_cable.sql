-- name: NbInsertCable :one
-- Creates a cable between interface $1 (A end) and interface $2 (B end), both still free.
WITH ifc AS (
  SELECT id FROM django_content_type WHERE app_label = 'dcim' AND model = 'interface'),
cab AS (
  INSERT INTO dcim_cable (created, last_updated, custom_field_data, type, status, label, color,
                          comments, description)
  SELECT now(), now(), '{}', '', coalesce($3, 'connected'), coalesce($4, ''), '', '', ''
   WHERE (SELECT count(*) FROM dcim_interface WHERE id IN ($1, $2) AND cable_id IS NULL) = 2
  RETURNING id),
term AS (
  INSERT INTO dcim_cabletermination (cable_end, termination_id, cable_id, termination_type_id,
                                     _device_id, created, last_updated)
  SELECT e.cable_end, e.iface, cab.id, (SELECT id FROM ifc), i.device_id, now(), now()
    FROM cab, (VALUES ('A', $1::bigint), ('B', $2::bigint)) e (cable_end, iface)
    JOIN dcim_interface i ON i.id = e.iface
  RETURNING termination_id, cable_end, cable_id),
upd AS (
  UPDATE dcim_interface i SET cable_id = term.cable_id, cable_end = term.cable_end,
         last_updated = now()
    FROM term WHERE i.id = term.termination_id RETURNING i.id)
SELECT id FROM cab WHERE (SELECT count(*) FROM upd) >= 0
