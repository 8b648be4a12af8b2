-- name: RestDiagramDetail :many
-- Base rows of /api/diagrams/{id}/: diagrams with the stored XML and parsed diagram_json.
SELECT id, name, description, version, tags, metadata, site, created_by, updated_by,
       created_at, updated_at, xml_content, diagram_json
  FROM diagrams
