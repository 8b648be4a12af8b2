-- name: EditorDiagramSite :one
-- The site of diagram $1, to check it against a site-bound editor token; no row when missing.
SELECT site FROM diagrams WHERE id = $1
