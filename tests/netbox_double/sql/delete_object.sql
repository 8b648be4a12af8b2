-- name: NbDeleteObject :many
-- Deletes one IP address, cable between interfaces (with its terminations), free interface,
-- VLAN or device without components (counted by NetBox in *_count) of kind $1, id $2; returns
-- nothing when the object cannot be deleted this simply.
WITH cable_ok AS (
  SELECT $1 = 'cables' AND NOT EXISTS (
           SELECT 1 FROM dcim_cabletermination t
             JOIN django_content_type ct ON ct.id = t.termination_type_id
            WHERE t.cable_id = $2 AND (ct.app_label, ct.model) <> ('dcim', 'interface')) AS yes),
a AS (
  DELETE FROM ipam_ipaddress WHERE $1 = 'ip-addresses' AND id = $2 RETURNING id),
ct AS (
  DELETE FROM dcim_cabletermination
   WHERE (SELECT yes FROM cable_ok) AND cable_id = $2 RETURNING cable_id),
ci AS (
  UPDATE dcim_interface SET cable_id = NULL, cable_end = NULL, _path_id = NULL,
         last_updated = now()
   WHERE (SELECT yes FROM cable_ok) AND cable_id = $2 RETURNING id),
c AS (
  DELETE FROM dcim_cable WHERE (SELECT yes FROM cable_ok) AND id = $2
     AND (SELECT count(*) FROM ct) >= 0 AND (SELECT count(*) FROM ci) >= 0 RETURNING id),
i AS (
  DELETE FROM dcim_interface WHERE $1 = 'interfaces' AND id = $2 AND cable_id IS NULL RETURNING id),
v AS (
  DELETE FROM ipam_vlan WHERE $1 = 'vlans' AND id = $2 RETURNING id),
d AS (
  DELETE FROM dcim_device
   WHERE $1 = 'devices' AND id = $2
     AND console_port_count + console_server_port_count + power_port_count + power_outlet_count
         + interface_count + front_port_count + rear_port_count + device_bay_count
         + module_bay_count + inventory_item_count = 0
     AND NOT EXISTS (SELECT 1 FROM dcim_interface WHERE device_id = $2)
   RETURNING id)
SELECT id FROM a UNION ALL SELECT id FROM c UNION ALL SELECT id FROM i UNION ALL SELECT id FROM v
UNION ALL SELECT id FROM d
