-- name: EditorDiagramSite :one
-- The site of diagram $1 (its text id), to check it against a site-bound editor token; no row
-- when missing.
SELECT site FROM diagrams WHERE id = $1::text
