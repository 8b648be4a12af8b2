-- name: InsertPool :one
-- Creates a pool.
INSERT INTO ip_pools (name, network, gateway, dns_servers, vlan_id, pool_type, description, site,
                      reserved_ranges, alert_threshold, is_active)
VALUES ($1, $2::cidr, $3::inet, $4::inet[], $5, $6, $7, $8, $9::text[], $10, $11)
RETURNING id, name, network::text AS network, host(gateway) AS gateway,
          ARRAY(SELECT host(d) FROM unnest(dns_servers) d) AS dns_servers, vlan_id, pool_type,
          description, site, is_active, reserved_ranges, alert_threshold::float8 AS alert_threshold,
          created_at, updated_at
