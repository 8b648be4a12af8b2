-- name: ListPools :many
-- plan: per call
-- Pools matching the optional filters (type, VLAN, active, text, one pool's id), inactive ones
-- included unless filtered out, oldest first, with their usage figures (ip_pool_usage_all's),
-- their $7 lowest active addresses (`allocated`) and their $7 lowest free ranges (`available`,
-- as first-last; the tool turns them into addresses). Planned per call: one pool by id is an
-- index lookup, a page of thousands a scan, and with $7 = 0 the samples are not in the plan.
SELECT u.pool_id AS id, u.pool_name AS name, u.network::text AS network,
       host(u.gateway) AS gateway,
       ARRAY(SELECT host(d::inet) FROM unnest(u.dns_servers) d) AS dns_servers, u.vlan_id,
       u.pool_type, u.description, u.site, u.is_active, u.reserved_ranges,
       u.alert_threshold::float8 AS alert_threshold, u.created_by,
       -- Timestamps as the ISO text JSON carries (what Date#toJSON gives), made here: on a page
       -- of 10,000 pools, Date objects cost more than the rest of the encoding together.
       to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
       to_char(u.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at,
       u.allocated_count, u.usable_addresses AS usable_count, u.available_count,
       u.usage_percentage::float8 AS usage_percentage,
       -- Each sample is one probe of an index in address order, made only for the rows of the
       -- page; the counter says when there is no allocation to look for.
       CASE WHEN $7 > 0 AND u.allocated_count > 0 THEN
         ARRAY(SELECT host(a.ip_address) FROM ip_allocations a
                WHERE a.pool_id = u.pool_id AND a.is_active
                ORDER BY a.ip_address LIMIT $7)
       ELSE '{}' END AS allocated,
       CASE WHEN $7 > 0 THEN
         ARRAY(SELECT host(r.first_ip) || '-' || host(r.last_ip) FROM ip_pool_free_ranges r
                WHERE r.pool_id = u.pool_id ORDER BY r.first_ip LIMIT $7)
       ELSE '{}' END AS available
  FROM ip_pool_usage_all u
 WHERE ($1::text IS NULL OR u.pool_type = $1)
   AND ($2::int IS NULL OR u.vlan_id = $2)
   AND ($3::boolean IS NULL OR u.is_active = $3)
   AND ($4::text IS NULL OR u.pool_name ILIKE '%' || $4 || '%'
        OR u.description ILIKE '%' || $4 || '%' OR u.site ILIKE '%' || $4 || '%'
        OR u.network::text LIKE $4 || '%')
   AND ($8::text IS NULL OR u.pool_id = $8)
 ORDER BY u.created_at, u.pool_id
 LIMIT $5 OFFSET $6
