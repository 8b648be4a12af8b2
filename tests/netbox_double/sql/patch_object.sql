-- name: NbPatchObject :many
-- Changes name, description, status or a device's primary IPv4 of one object of kind $1, id $2.
WITH s AS (
  UPDATE dcim_site SET name = coalesce($3, name), description = coalesce($4, description),
         status = coalesce($5, status), last_updated = now()
   WHERE $1 = 'sites' AND id = $2 RETURNING id),
d AS (
  UPDATE dcim_device SET name = coalesce($3, name), description = coalesce($4, description),
         status = coalesce($5, status), primary_ip4_id = coalesce($6, primary_ip4_id),
         last_updated = now()
   WHERE $1 = 'devices' AND id = $2 RETURNING id),
i AS (
  UPDATE dcim_interface SET name = coalesce($3, name), _name = coalesce($3, _name),
         description = coalesce($4, description), last_updated = now()
   WHERE $1 = 'interfaces' AND id = $2 RETURNING id),
c AS (
  UPDATE dcim_cable SET label = coalesce($3, label), description = coalesce($4, description),
         status = coalesce($5, status), last_updated = now()
   WHERE $1 = 'cables' AND id = $2 RETURNING id),
p AS (
  UPDATE ipam_prefix SET description = coalesce($4, description),
         status = coalesce($5, status), last_updated = now()
   WHERE $1 = 'prefixes' AND id = $2 RETURNING id),
a AS (
  UPDATE ipam_ipaddress SET dns_name = coalesce($3, dns_name),
         description = coalesce($4, description), status = coalesce($5, status),
         last_updated = now()
   WHERE $1 = 'ip-addresses' AND id = $2 RETURNING id),
v AS (
  UPDATE ipam_vlan SET name = coalesce($3, name), description = coalesce($4, description),
         status = coalesce($5, status), last_updated = now()
   WHERE $1 = 'vlans' AND id = $2 RETURNING id)
SELECT id FROM s UNION ALL SELECT id FROM d UNION ALL SELECT id FROM i UNION ALL SELECT id FROM c
UNION ALL SELECT id FROM p UNION ALL SELECT id FROM a UNION ALL SELECT id FROM v
