-- name: NbInsertObjectChange :exec
-- Records a change in NetBox's change log, as NetBox does for every write.
INSERT INTO core_objectchange (time, user_name, request_id, action, changed_object_id,
                               object_repr, prechange_data, postchange_data,
                               changed_object_type_id)
SELECT now(), 'admin', $1::uuid, $2, $3, left($4, 200), $5::text::jsonb, $6::text::jsonb, ct.id
  FROM django_content_type ct
 WHERE ct.app_label = $7 AND ct.model = $8
