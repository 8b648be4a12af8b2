-- name: NbListMirroredIpIds :many
-- NetBox ids of every mirrored IP address.
SELECT netbox_id FROM netbox_ip_addresses ORDER BY netbox_id
