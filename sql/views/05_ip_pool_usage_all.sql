-- Every pool, active or not, with its usage figures: the one place they are computed.
-- ip_pool_usage (the design document's view) is this view's active pools; the pool tools and
-- the REST listing, which show inactive pools too, read this one.
-- fix: the document enumerates the addresses with generate_series(inet, inet, inet), which
-- PostgreSQL does not have (and would walk 16M rows for a /8). Sizes come from
-- ip_pool_state instead, exact in numeric (an IPv6 /48 costs what an IPv4 /24 does):
-- available_count = addresses in the prefix - edges (IPv4 network and broadcast except /31
-- and /32) - gateway, DNS servers and reserved ranges - active allocations, i.e. what
-- allocate-ip can still hand out.
CREATE VIEW ip_pool_usage_all AS
SELECT p.id AS pool_id,
       p.name AS pool_name,
       p.network,
       p.gateway,
       s.active_count AS allocated_count,
       greatest(s.total_addresses - s.excluded_count - s.active_count, 0) AS available_count,
       CASE WHEN s.total_addresses - s.excluded_count <= 0 THEN 100::numeric
            ELSE round(s.active_count::numeric / (s.total_addresses - s.excluded_count) * 100, 2)
       END AS usage_percentage,
       p.dns_servers, p.vlan_id, p.pool_type, p.description, p.site, p.is_active,
       p.reserved_ranges, p.alert_threshold, p.created_at, p.updated_at, p.created_by,
       s.total_addresses,
       s.total_addresses - s.excluded_count AS usable_addresses
  FROM ip_pools p
  JOIN ip_pool_state s ON s.pool_id = p.id;
