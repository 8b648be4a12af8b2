-- name: NbListCables :many
-- NetBox-shaped cables with their A and B terminations (generic objects), filtered and paged.
WITH page AS (
  SELECT c.id, count(*) OVER () AS total
    FROM dcim_cable c
   WHERE ($2::bigint[] IS NULL OR c.id = ANY ($2))
     AND ($3::bigint IS NULL OR c.id > $3)
     AND ($4::bigint IS NULL OR c.id >= $4)
     AND ($5::timestamptz IS NULL OR c.last_updated >= $5)
     AND ($6::text[] IS NULL OR c.label = ANY ($6))
     AND ($7::bigint[] IS NULL OR EXISTS (SELECT 1 FROM dcim_cabletermination t
                                           WHERE t.cable_id = c.id AND t._device_id = ANY ($7)))
   ORDER BY c.id
   LIMIT $8 OFFSET $9)
SELECT jsonb_build_object(
         'id', c.id, 'url', $1 || '/api/dcim/cables/' || c.id || '/',
         'display_url', $1 || '/dcim/cables/' || c.id || '/',
         'display', CASE WHEN c.label = '' THEN '#' || c.id ELSE c.label END,
         'type', coalesce(c.type, ''),
         'a_terminations', coalesce(term.a, '[]'::jsonb),
         'b_terminations', coalesce(term.b, '[]'::jsonb),
         'status', jsonb_build_object('value', c.status, 'label', initcap(c.status)),
         'tenant', NULL, 'label', c.label, 'color', c.color, 'length', c.length::float8,
         'length_unit', CASE WHEN coalesce(c.length_unit, '') = '' THEN NULL
                             ELSE jsonb_build_object('value', c.length_unit, 'label', c.length_unit) END,
         'description', c.description, 'comments', c.comments, 'tags', '[]'::jsonb,
         'custom_fields', c.custom_field_data, 'created', c.created,
         'last_updated', c.last_updated) AS obj,
       page.total
  FROM page
  JOIN dcim_cable c ON c.id = page.id
  LEFT JOIN LATERAL (
    SELECT jsonb_agg(x.obj ORDER BY x.termination_id) FILTER (WHERE x.cable_end = 'A') AS a,
           jsonb_agg(x.obj ORDER BY x.termination_id) FILTER (WHERE x.cable_end = 'B') AS b
      FROM (SELECT t.cable_end, t.termination_id, jsonb_build_object(
                     'object_type', ct.app_label || '.' || ct.model,
                     'object_id', t.termination_id,
                     'object', jsonb_build_object('id', t.termination_id,
                       'display', coalesce(pi.name, ct.model || ' ' || t.termination_id),
                       'name', pi.name,
                       'device', CASE WHEN pd.id IS NULL THEN NULL ELSE jsonb_build_object(
                         'id', pd.id, 'url', $1 || '/api/dcim/devices/' || pd.id || '/',
                         'display', coalesce(pd.name, 'device ' || pd.id), 'name', pd.name,
                         'description', pd.description) END,
                       'cable', c.id, '_occupied', true)) AS obj
              FROM dcim_cabletermination t
              JOIN django_content_type ct ON ct.id = t.termination_type_id
              LEFT JOIN dcim_interface pi ON ct.model = 'interface' AND pi.id = t.termination_id
              LEFT JOIN dcim_device pd ON pd.id = coalesce(pi.device_id, t._device_id)
             WHERE t.cable_id = c.id) x
  ) term ON true
 ORDER BY c.id
