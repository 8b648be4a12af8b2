-- name: NbOutboxBindAllocation :one
-- Records on a local allocation the NetBox id of the address pushed for it.
UPDATE ip_allocations SET netbox_id = $2
 WHERE id = $1 AND netbox_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM ip_allocations x WHERE x.netbox_id = $2)
RETURNING id, netbox_id
