-- name: DeletePool :one
-- Deletes pool $1 with its allocation history and free ranges.
DELETE FROM ip_pools WHERE id = $1::text
RETURNING id, name, network::text AS network, host(gateway) AS gateway,
          ARRAY(SELECT host(d::inet) FROM unnest(dns_servers) d) AS dns_servers, vlan_id,
          pool_type, description, site, is_active, reserved_ranges,
          alert_threshold::float8 AS alert_threshold, created_by, created_at, updated_at
