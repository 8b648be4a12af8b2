-- name: NbInsertIpAddress :one
-- Creates an IP address, optionally assigned to an interface ($4).
INSERT INTO ipam_ipaddress (created, last_updated, custom_field_data, address, status, role,
                            assigned_object_id, assigned_object_type_id, dns_name, description,
                            comments)
VALUES (now(), now(), '{}', $1::inet, coalesce($2, 'active'), NULL, $4,
        CASE WHEN $4::bigint IS NULL THEN NULL
             ELSE (SELECT id FROM django_content_type WHERE app_label = 'dcim' AND model = 'interface') END,
        coalesce($5, ''), coalesce($3, ''), '')
RETURNING id
