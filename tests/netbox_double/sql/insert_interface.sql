-- name: NbInsertInterface :one
-- Creates an interface on a device and keeps the device's interface count.
WITH ins AS (
  INSERT INTO dcim_interface (created, last_updated, custom_field_data, name, label, description,
                              mark_connected, enabled, _name, type, mgmt_only, device_id)
  VALUES (now(), now(), '{}', $2, '', coalesce($4, ''), false, true, $2,
          coalesce($3, 'other'), false, $1)
  RETURNING id, device_id),
cnt AS (
  UPDATE dcim_device SET interface_count = interface_count + 1
   WHERE id = (SELECT device_id FROM ins) RETURNING id)
SELECT id FROM ins WHERE (SELECT count(*) FROM cnt) >= 0
