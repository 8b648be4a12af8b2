-- name: RestDiagramDetail :many
-- Base rows of /api/diagrams/{id}/: diagrams with their current content (XML and diagram_json).
SELECT id, name, description, version, is_current, tags, metadata, site, created_by,
       updated_by, created_at, updated_at, diagram_xml, diagram_json
  FROM diagrams
