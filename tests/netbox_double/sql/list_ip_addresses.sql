-- name: NbListIpAddresses :many
-- NetBox-shaped IP addresses with their assigned interface, filtered (address in $6) and paged.
WITH page AS (
  SELECT a.id, count(*) OVER () AS total
    FROM ipam_ipaddress a
   WHERE ($2::bigint[] IS NULL OR a.id = ANY ($2))
     AND ($3::bigint IS NULL OR a.id > $3)
     AND ($4::bigint IS NULL OR a.id >= $4)
     AND ($5::timestamptz IS NULL OR a.last_updated >= $5)
     AND ($6::text[] IS NULL OR host(a.address) = ANY ($6) OR a.address::text = ANY ($6))
     AND ($7::bigint[] IS NULL OR EXISTS (
            SELECT 1 FROM dcim_interface fi WHERE fi.id = a.assigned_object_id
               AND a.assigned_object_type_id = (SELECT id FROM django_content_type
                                                  WHERE app_label = 'dcim' AND model = 'interface')
               AND fi.device_id = ANY ($7)))
   ORDER BY a.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', a.id, 'url', $1 || '/api/ipam/ip-addresses/' || a.id || '/',
         'display_url', $1 || '/ipam/ip-addresses/' || a.id || '/', 'display', a.address::text,
         'family', jsonb_build_object('value', family(a.address), 'label', 'IPv' || family(a.address)),
         'address', a.address::text,
         'vrf', CASE WHEN vrf.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', vrf.id, 'url', $1 || '/api/ipam/vrfs/' || vrf.id || '/', 'display', vrf.name,
           'name', vrf.name, 'rd', vrf.rd, 'description', vrf.description) END,
         'tenant', NULL,
         'status', jsonb_build_object('value', a.status,
                     'label', CASE a.status WHEN 'dhcp' THEN 'DHCP' WHEN 'slaac' THEN 'SLAAC'
                                            ELSE initcap(a.status) END),
         'role', CASE WHEN coalesce(a.role, '') = '' THEN NULL
                      ELSE jsonb_build_object('value', a.role, 'label', initcap(a.role)) END,
         'assigned_object_type', CASE WHEN act.id IS NULL THEN NULL
                                      ELSE act.app_label || '.' || act.model END,
         'assigned_object_id', a.assigned_object_id,
         'assigned_object', CASE WHEN ai.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', ai.id, 'url', $1 || '/api/dcim/interfaces/' || ai.id || '/', 'display', ai.name,
           'device', jsonb_build_object('id', ad.id, 'url', $1 || '/api/dcim/devices/' || ad.id || '/',
             'display', coalesce(ad.name, 'device ' || ad.id), 'name', ad.name,
             'description', ad.description),
           'name', ai.name, 'description', ai.description, 'cable', ai.cable_id,
           '_occupied', ai.cable_id IS NOT NULL) END,
         'nat_inside', NULL, 'nat_outside', '[]'::jsonb, 'dns_name', a.dns_name,
         'description', a.description, 'comments', a.comments, 'tags', '[]'::jsonb,
         'custom_fields', a.custom_field_data, 'created', a.created,
         'last_updated', a.last_updated) AS obj,
       page.total
  FROM page
  JOIN ipam_ipaddress a ON a.id = page.id
  LEFT JOIN ipam_vrf vrf ON vrf.id = a.vrf_id
  LEFT JOIN django_content_type act ON act.id = a.assigned_object_type_id
  LEFT JOIN dcim_interface ai ON act.model = 'interface' AND act.app_label = 'dcim'
                             AND ai.id = a.assigned_object_id
  LEFT JOIN dcim_device ad ON ad.id = ai.device_id
 ORDER BY a.id
