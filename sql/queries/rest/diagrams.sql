-- name: RestDiagrams :many
-- Base rows of /api/diagrams/: diagrams without their stored XML and parsed JSON.
SELECT id, name, description, version, tags, metadata, site, created_by, updated_by,
       created_at, updated_at
  FROM diagrams
