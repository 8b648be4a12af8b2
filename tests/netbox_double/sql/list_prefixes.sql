-- name: NbListPrefixes :many
-- NetBox-shaped prefixes with role, VLAN, VRF, scope and tags, filtered and paged.
WITH page AS (
  SELECT p.id, count(*) OVER () AS total
    FROM ipam_prefix p
   WHERE ($2::bigint[] IS NULL OR p.id = ANY ($2))
     AND ($3::bigint IS NULL OR p.id > $3)
     AND ($4::bigint IS NULL OR p.id >= $4)
     AND ($5::timestamptz IS NULL OR p.last_updated >= $5)
     AND ($6::text[] IS NULL OR p.prefix::text = ANY ($6))
     AND ($7::bigint[] IS NULL OR p._site_id = ANY ($7))
   ORDER BY p.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', p.id, 'url', $1 || '/api/ipam/prefixes/' || p.id || '/',
         'display_url', $1 || '/ipam/prefixes/' || p.id || '/', 'display', p.prefix::text,
         'family', jsonb_build_object('value', family(p.prefix), 'label', 'IPv' || family(p.prefix)),
         'prefix', p.prefix::text,
         'vrf', CASE WHEN vrf.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', vrf.id, 'url', $1 || '/api/ipam/vrfs/' || vrf.id || '/', 'display', vrf.name,
           'name', vrf.name, 'rd', vrf.rd, 'description', vrf.description) END,
         'scope_type', CASE WHEN sct.id IS NULL THEN NULL ELSE sct.app_label || '.' || sct.model END,
         'scope_id', p.scope_id,
         'scope', CASE WHEN sct.model = 'site' THEN jsonb_build_object(
           'id', ss.id, 'url', $1 || '/api/dcim/sites/' || ss.id || '/', 'display', ss.name,
           'name', ss.name, 'slug', ss.slug, 'description', ss.description) END,
         'tenant', NULL,
         'vlan', CASE WHEN v.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', v.id, 'url', $1 || '/api/ipam/vlans/' || v.id || '/',
           'display', v.name || ' (' || v.vid || ')', 'vid', v.vid, 'name', v.name,
           'description', v.description) END,
         'status', jsonb_build_object('value', p.status, 'label', initcap(p.status)),
         'role', CASE WHEN r.id IS NULL THEN NULL ELSE jsonb_build_object(
           'id', r.id, 'url', $1 || '/api/ipam/roles/' || r.id || '/', 'display', r.name,
           'name', r.name, 'slug', r.slug, 'description', r.description) END,
         'is_pool', p.is_pool, 'mark_utilized', p.mark_utilized,
         'description', p.description, 'comments', p.comments,
         'tags', coalesce((SELECT jsonb_agg(jsonb_build_object(
                    'id', tg.id, 'url', $1 || '/api/extras/tags/' || tg.id || '/',
                    'display', tg.name, 'name', tg.name, 'slug', tg.slug, 'color', tg.color)
                    ORDER BY tg.name)
                    FROM extras_taggeditem ti
                    JOIN extras_tag tg ON tg.id = ti.tag_id
                    JOIN django_content_type tct ON tct.id = ti.content_type_id
                   WHERE tct.app_label = 'ipam' AND tct.model = 'prefix' AND ti.object_id = p.id),
                  '[]'::jsonb),
         'custom_fields', p.custom_field_data, 'created', p.created,
         'last_updated', p.last_updated, 'children', p._children, '_depth', p._depth) AS obj,
       page.total
  FROM page
  JOIN ipam_prefix p ON p.id = page.id
  LEFT JOIN ipam_vrf vrf ON vrf.id = p.vrf_id
  LEFT JOIN ipam_vlan v ON v.id = p.vlan_id
  LEFT JOIN ipam_role r ON r.id = p.role_id
  LEFT JOIN django_content_type sct ON sct.id = p.scope_type_id
  LEFT JOIN dcim_site ss ON sct.model = 'site' AND ss.id = p.scope_id
 ORDER BY p.id
