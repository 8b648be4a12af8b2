-- name: InsertPool :one
-- Creates a pool.
INSERT INTO ip_pools (name, network, gateway, dns_servers, vlan_id, pool_type, description, site)
VALUES ($1, $2::cidr, $3::inet, $4::inet[], $5, $6, $7, $8)
RETURNING id, name, network::text AS network, host(gateway) AS gateway,
          ARRAY(SELECT host(d) FROM unnest(dns_servers) d) AS dns_servers, vlan_id, pool_type,
          description, site, is_active, created_at, updated_at
