-- name: NbLookupRefs :one
-- Resolves the default device type, role and site ids a created device may omit.
SELECT (SELECT min(id) FROM dcim_devicetype) AS device_type_id,
       (SELECT min(id) FROM dcim_devicerole) AS role_id,
       (SELECT min(id) FROM dcim_site) AS site_id
