-- name: InventoryScopeDevices :many
-- The devices a generated diagram's scope selects, in one statement: those at site $1 (a site's
-- slug or name, or a device's own site text), tagged $2, of role $3 (type or NetBox role name)
-- and among asset ids $4 (each null: no condition), plus with $5 the devices one cable away;
-- at most $6 rows, each with the count of all it selects (`total`), so that a scope over the
-- limit is refused without reading it all.
WITH site_names AS (
  SELECT s.name FROM sites s
   WHERE $1::text IS NOT NULL AND (s.slug = $1::text OR lower(s.name) = lower($1::text))
  UNION
  SELECT $1::text WHERE $1::text IS NOT NULL
), seed AS (
  SELECT d.asset_id
    FROM network_devices d
   WHERE ($1::text IS NULL OR d.site IN (SELECT name FROM site_names))
     AND ($2::text IS NULL OR EXISTS (
           SELECT 1
             FROM jsonb_array_elements_text(
                    CASE WHEN jsonb_typeof(d.metadata -> 'netbox' -> 'tags') = 'array'
                         THEN d.metadata -> 'netbox' -> 'tags' ELSE '[]'::jsonb END
                    || CASE WHEN jsonb_typeof(d.metadata -> 'tags') = 'array'
                            THEN d.metadata -> 'tags' ELSE '[]'::jsonb END) AS t (tag)
            WHERE lower(t.tag) = lower($2::text)))
     AND ($3::text IS NULL OR lower(d.device_type) = lower($3::text)
          OR lower(d.metadata -> 'netbox' ->> 'role') = lower($3::text))
     AND ($4::text[] IS NULL OR d.asset_id = ANY ($4::text[]))
), chosen AS (
  SELECT asset_id, false AS neighbor FROM seed
  UNION
  SELECT p.connected_to_device, true
    FROM device_ports p
    JOIN seed s ON s.asset_id = p.device_id
   WHERE $5::boolean AND p.connected_to_device IS NOT NULL
     AND p.connected_to_device NOT IN (SELECT asset_id FROM seed)
)
SELECT d.asset_id, d.device_name, d.device_type, d.metadata -> 'netbox' ->> 'role' AS role,
       d.site, d.metadata -> 'netbox' ->> 'rack' AS rack, d.status,
       host(d.primary_ip) AS ip, d.netbox_id, c.neighbor,
       (count(*) OVER ())::int AS total
  FROM (SELECT DISTINCT ON (asset_id) asset_id, neighbor FROM chosen ORDER BY asset_id, neighbor)
       AS c
  JOIN network_devices d ON d.asset_id = c.asset_id
 ORDER BY d.asset_id
 LIMIT $6::int
