-- name: NbListDevices :many
-- NetBox-shaped devices of the double's NetBox database, filtered (site ids in $7) and paged.
WITH page AS (
  SELECT d.id, count(*) OVER () AS total
    FROM dcim_device d
   WHERE ($2::bigint[] IS NULL OR d.id = ANY ($2))
     AND ($3::bigint IS NULL OR d.id > $3)
     AND ($4::bigint IS NULL OR d.id >= $4)
     AND ($5::timestamptz IS NULL OR d.last_updated >= $5)
     AND ($6::text[] IS NULL OR d.name = ANY ($6))
     AND ($7::bigint[] IS NULL OR d.site_id = ANY ($7))
   ORDER BY d.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', d.id, 'url', $1 || '/api/dcim/devices/' || d.id || '/',
         'display_url', $1 || '/dcim/devices/' || d.id || '/',
         'display', coalesce(d.name, m.name || ' ' || dt.model || ' (' || d.id || ')'),
         'name', d.name,
         'device_type', jsonb_build_object(
           'id', dt.id, 'url', $1 || '/api/dcim/device-types/' || dt.id || '/', 'display', dt.model,
           'manufacturer', jsonb_build_object(
             'id', m.id, 'url', $1 || '/api/dcim/manufacturers/' || m.id || '/', 'display', m.name,
             'name', m.name, 'slug', m.slug, 'description', m.description),
           'model', dt.model, 'slug', dt.slug, 'description', dt.description),
         'role', jsonb_build_object(
           'id', ro.id, 'url', $1 || '/api/dcim/device-roles/' || ro.id || '/', 'display', ro.name,
           'name', ro.name, 'slug', ro.slug, 'description', ro.description),
         'tenant', CASE WHEN tn.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', tn.id, 'url', $1 || '/api/tenancy/tenants/' || tn.id || '/', 'display', tn.name,
           'name', tn.name, 'slug', tn.slug, 'description', tn.description) END,
         'platform', CASE WHEN pl.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', pl.id, 'url', $1 || '/api/dcim/platforms/' || pl.id || '/', 'display', pl.name,
           'name', pl.name, 'slug', pl.slug, 'description', pl.description) END,
         'serial', d.serial, 'asset_tag', d.asset_tag,
         'site', jsonb_build_object(
           'id', s.id, 'url', $1 || '/api/dcim/sites/' || s.id || '/', 'display', s.name,
           'name', s.name, 'slug', s.slug, 'description', s.description),
         'location', CASE WHEN lo.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', lo.id, 'url', $1 || '/api/dcim/locations/' || lo.id || '/', 'display', lo.name,
           'name', lo.name, 'slug', lo.slug, 'description', lo.description, '_depth', lo.level) END,
         'rack', CASE WHEN ra.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', ra.id, 'url', $1 || '/api/dcim/racks/' || ra.id || '/', 'display', ra.name,
           'name', ra.name, 'description', ra.description) END,
         'position', d.position::float8,
         'face', CASE WHEN coalesce(d.face, '') = '' THEN NULL
                      ELSE jsonb_build_object('value', d.face, 'label', initcap(d.face)) END,
         'latitude', d.latitude::float8, 'longitude', d.longitude::float8, 'parent_device', NULL,
         'status', jsonb_build_object('value', d.status, 'label', initcap(d.status)),
         'airflow', NULL)
       || jsonb_build_object(
         'primary_ip', coalesce(ip6.obj, ip4.obj), 'primary_ip4', ip4.obj, 'primary_ip6', ip6.obj,
         'oob_ip', NULL, 'cluster', NULL, 'virtual_chassis', NULL,
         'vc_position', d.vc_position, 'vc_priority', d.vc_priority,
         'description', d.description, 'comments', d.comments, 'config_template', NULL,
         'config_context', '{}'::jsonb, 'local_context_data', d.local_context_data,
         'tags', '[]'::jsonb, 'custom_fields', d.custom_field_data,
         'created', d.created, 'last_updated', d.last_updated,
         'console_port_count', d.console_port_count,
         'console_server_port_count', d.console_server_port_count,
         'power_port_count', d.power_port_count, 'power_outlet_count', d.power_outlet_count,
         'interface_count', d.interface_count, 'front_port_count', d.front_port_count,
         'rear_port_count', d.rear_port_count, 'device_bay_count', d.device_bay_count,
         'module_bay_count', d.module_bay_count, 'inventory_item_count', d.inventory_item_count)
         AS obj,
       page.total
  FROM page
  JOIN dcim_device d ON d.id = page.id
  JOIN dcim_devicetype dt ON dt.id = d.device_type_id
  JOIN dcim_manufacturer m ON m.id = dt.manufacturer_id
  JOIN dcim_devicerole ro ON ro.id = d.role_id
  JOIN dcim_site s ON s.id = d.site_id
  LEFT JOIN tenancy_tenant tn ON tn.id = d.tenant_id
  LEFT JOIN dcim_platform pl ON pl.id = d.platform_id
  LEFT JOIN dcim_location lo ON lo.id = d.location_id
  LEFT JOIN dcim_rack ra ON ra.id = d.rack_id
  LEFT JOIN LATERAL (
    SELECT jsonb_build_object('id', a.id, 'url', $1 || '/api/ipam/ip-addresses/' || a.id || '/',
             'display', a.address::text, 'family', jsonb_build_object('value', family(a.address),
               'label', 'IPv' || family(a.address)), 'address', a.address::text,
             'description', a.description) AS obj
      FROM ipam_ipaddress a WHERE a.id = d.primary_ip4_id) ip4 ON true
  LEFT JOIN LATERAL (
    SELECT jsonb_build_object('id', a.id, 'url', $1 || '/api/ipam/ip-addresses/' || a.id || '/',
             'display', a.address::text, 'family', jsonb_build_object('value', family(a.address),
               'label', 'IPv' || family(a.address)), 'address', a.address::text,
             'description', a.description) AS obj
      FROM ipam_ipaddress a WHERE a.id = d.primary_ip6_id) ip6 ON true
 ORDER BY d.id
