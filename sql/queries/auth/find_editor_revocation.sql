-- name: FindEditorRevocation :one
-- Unix second: editor sessions of NetBox user $1 begun up to it are refused; no row if none.
SELECT floor(extract(epoch FROM not_before))::bigint AS not_before
  FROM editor_revocations
 WHERE netbox_user = $1
