-- name: RestIpPools :many
-- Base rows of /api/ip-pools/: every pool, inactive ones too, with the usage figures of
-- ip_pool_usage_all (the one place they are computed). The counts stay numeric, so filters and
-- ordering compare them as numbers (IPv6 counts pass bigint).
SELECT u.pool_id AS id, u.pool_name AS name, u.network, u.gateway, u.dns_servers, u.vlan_id,
       u.pool_type, u.description, u.site, u.is_active, u.reserved_ranges,
       u.alert_threshold::float8 AS alert_threshold, u.allocated_count,
       u.usable_addresses AS usable_count, u.available_count,
       u.usage_percentage::float8 AS usage_percentage, u.created_by, u.created_at, u.updated_at
  FROM ip_pool_usage_all u
