-- name: NbListObjectChanges :many
-- NetBox-shaped change log entries filtered by action ($2), time_after ($3) and object type
-- ("app.model", $4), oldest first and paged.
WITH page AS (
  SELECT oc.id, count(*) OVER () AS total
    FROM core_objectchange oc
    JOIN django_content_type ct ON ct.id = oc.changed_object_type_id
   WHERE ($2::text IS NULL OR oc.action = $2)
     AND ($3::timestamptz IS NULL OR oc.time >= $3)
     AND ($4::text IS NULL OR ct.app_label || '.' || ct.model = $4)
   ORDER BY oc.id
   LIMIT $5 OFFSET $6)
SELECT jsonb_build_object(
         'id', oc.id, 'url', $1 || '/api/core/object-changes/' || oc.id || '/',
         'display_url', $1 || '/core/changelog/' || oc.id || '/',
         'display', oc.object_repr, 'time', oc.time, 'user', NULL, 'user_name', oc.user_name,
         'request_id', oc.request_id,
         'action', jsonb_build_object('value', oc.action, 'label', initcap(oc.action)),
         'changed_object_type', ct.app_label || '.' || ct.model,
         'changed_object_id', oc.changed_object_id, 'changed_object', NULL,
         'prechange_data', oc.prechange_data, 'postchange_data', oc.postchange_data) AS obj,
       page.total
  FROM page
  JOIN core_objectchange oc ON oc.id = page.id
  JOIN django_content_type ct ON ct.id = oc.changed_object_type_id
 ORDER BY oc.id
