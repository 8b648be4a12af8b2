-- name: NbListVlans :many
-- NetBox-shaped VLANs with site and group, filtered (site ids in $7) and paged.
WITH page AS (
  SELECT v.id, count(*) OVER () AS total
    FROM ipam_vlan v
   WHERE ($2::bigint[] IS NULL OR v.id = ANY ($2))
     AND ($3::bigint IS NULL OR v.id > $3)
     AND ($4::bigint IS NULL OR v.id >= $4)
     AND ($5::timestamptz IS NULL OR v.last_updated >= $5)
     AND ($6::text[] IS NULL OR v.name = ANY ($6))
     AND ($7::bigint[] IS NULL OR v.site_id = ANY ($7))
   ORDER BY v.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', v.id, 'url', $1 || '/api/ipam/vlans/' || v.id || '/',
         'display_url', $1 || '/ipam/vlans/' || v.id || '/',
         'display', v.name || ' (' || v.vid || ')',
         'site', CASE WHEN s.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', s.id, 'url', $1 || '/api/dcim/sites/' || s.id || '/', 'display', s.name,
           'name', s.name, 'slug', s.slug, 'description', s.description) END,
         'group', CASE WHEN g.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', g.id, 'url', $1 || '/api/ipam/vlan-groups/' || g.id || '/', 'display', g.name,
           'name', g.name, 'slug', g.slug, 'description', g.description) END,
         'vid', v.vid, 'name', v.name, 'tenant', NULL,
         'status', jsonb_build_object('value', v.status, 'label', initcap(v.status)),
         'role', NULL, 'description', v.description,
         'qinq_role', CASE WHEN v.qinq_role IS NULL THEN NULL ELSE jsonb_build_object(
           'value', v.qinq_role, 'label', CASE v.qinq_role WHEN 'svlan' THEN 'Service'
                                                  ELSE 'Customer' END) END,
         'qinq_svlan', NULL, 'comments', v.comments, 'l2vpn_termination', NULL,
         'tags', '[]'::jsonb, 'custom_fields', v.custom_field_data, 'created', v.created,
         'last_updated', v.last_updated) AS obj,
       page.total
  FROM page
  JOIN ipam_vlan v ON v.id = page.id
  LEFT JOIN dcim_site s ON s.id = v.site_id
  LEFT JOIN ipam_vlangroup g ON g.id = v.group_id
 ORDER BY v.id
