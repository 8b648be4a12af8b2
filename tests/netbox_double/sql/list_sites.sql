-- name: NbListSites :many
-- NetBox-shaped sites of the double's NetBox database, filtered and paged; $1 is the base URL.
WITH page AS (
  SELECT s.id, count(*) OVER () AS total
    FROM dcim_site s
   WHERE ($2::bigint[] IS NULL OR s.id = ANY ($2))
     AND ($3::bigint IS NULL OR s.id > $3)
     AND ($4::bigint IS NULL OR s.id >= $4)
     AND ($5::timestamptz IS NULL OR s.last_updated >= $5)
     AND ($6::text[] IS NULL OR s.name = ANY ($6))
     AND ($7::bigint[] IS NULL OR s.id = ANY ($7))
   ORDER BY s.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', s.id, 'url', $1 || '/api/dcim/sites/' || s.id || '/',
         'display_url', $1 || '/dcim/sites/' || s.id || '/', 'display', s.name,
         'name', s.name, 'slug', s.slug,
         'status', jsonb_build_object('value', s.status, 'label', initcap(s.status)),
         'region', CASE WHEN r.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', r.id, 'url', $1 || '/api/dcim/regions/' || r.id || '/', 'display', r.name,
           'name', r.name, 'slug', r.slug, 'description', r.description, '_depth', r.level) END,
         'tenant', CASE WHEN tn.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', tn.id, 'url', $1 || '/api/tenancy/tenants/' || tn.id || '/', 'display', tn.name,
           'name', tn.name, 'slug', tn.slug, 'description', tn.description) END,
         'facility', s.facility, 'time_zone', s.time_zone, 'description', s.description,
         'physical_address', s.physical_address, 'shipping_address', s.shipping_address,
         'latitude', s.latitude::float8, 'longitude', s.longitude::float8, 'comments', s.comments,
         'tags', '[]'::jsonb, 'custom_fields', s.custom_field_data,
         'created', s.created, 'last_updated', s.last_updated) AS obj,
       page.total
  FROM page
  JOIN dcim_site s ON s.id = page.id
  LEFT JOIN dcim_region r ON r.id = s.region_id
  LEFT JOIN tenancy_tenant tn ON tn.id = s.tenant_id
 ORDER BY s.id
