-- name: DeleteShippedTemplates :exec
-- Removes the shipped templates of a fresh database before a restore brings the backup's own.
DELETE FROM templates WHERE created_by = 'archiflow'
