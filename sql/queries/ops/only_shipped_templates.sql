-- name: OnlyShippedTemplates :one
-- Whether templates holds nothing but the templates migrations ship (created_by 'archiflow').
SELECT NOT EXISTS (SELECT 1 FROM templates WHERE created_by IS DISTINCT FROM 'archiflow') AS only_shipped
