-- name: UpdatePool :one
-- Replaces the editable fields of pool $1 (the caller merges unchanged values in).
UPDATE ip_pools
   SET name = $2, network = $3::cidr, gateway = $4::inet, dns_servers = $5::text[], vlan_id = $6,
       pool_type = $7, description = $8, site = $9, reserved_ranges = $10::text[],
       alert_threshold = $11, is_active = $12
 WHERE id = $1::text
RETURNING id, name, network::text AS network, host(gateway) AS gateway,
          ARRAY(SELECT host(d::inet) FROM unnest(dns_servers) d) AS dns_servers, vlan_id,
          pool_type, description, site, is_active, reserved_ranges,
          alert_threshold::float8 AS alert_threshold, created_by, created_at, updated_at
