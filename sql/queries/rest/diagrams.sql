-- name: RestDiagrams :many
-- Base rows of /api/diagrams/: diagrams without their content.
SELECT id, name, description, version, is_current, tags, metadata, site, created_by,
       updated_by, created_at, updated_at
  FROM diagrams
