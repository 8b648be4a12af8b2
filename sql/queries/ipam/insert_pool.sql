-- name: InsertPool :one
-- Creates a pool under the id the column default makes ('pool-' and the next number).
INSERT INTO ip_pools (name, network, gateway, dns_servers, vlan_id, pool_type, description, site,
                      reserved_ranges, alert_threshold, is_active, created_by)
VALUES ($1, $2::cidr, $3::inet, $4::text[], $5, $6, $7, $8, $9::text[], $10, $11, $12)
RETURNING id, name, network::text AS network, host(gateway) AS gateway,
          ARRAY(SELECT host(d::inet) FROM unnest(dns_servers) d) AS dns_servers, vlan_id,
          pool_type, description, site, is_active, reserved_ranges,
          alert_threshold::float8 AS alert_threshold, created_by, created_at, updated_at
