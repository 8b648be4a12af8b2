-- name: NbListIds :many
-- Only the ids of one object kind ($1), for `fields=id` listings that must stay cheap.
SELECT id
  FROM (SELECT id, last_updated FROM dcim_site WHERE $1 = 'sites'
        UNION ALL SELECT id, last_updated FROM dcim_device WHERE $1 = 'devices'
        UNION ALL SELECT id, last_updated FROM dcim_interface WHERE $1 = 'interfaces'
        UNION ALL SELECT id, last_updated FROM dcim_cable WHERE $1 = 'cables'
        UNION ALL SELECT id, last_updated FROM ipam_prefix WHERE $1 = 'prefixes'
        UNION ALL SELECT id, last_updated FROM ipam_ipaddress WHERE $1 = 'ip-addresses'
        UNION ALL SELECT id, last_updated FROM ipam_vlan WHERE $1 = 'vlans') o
 WHERE ($2::bigint IS NULL OR id > $2)
   AND ($3::bigint IS NULL OR id >= $3)
   AND ($4::timestamptz IS NULL OR last_updated >= $4)
 ORDER BY id
 LIMIT $5 OFFSET $6
