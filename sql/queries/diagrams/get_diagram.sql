-- name: GetDiagram :one
-- One diagram with its current content.
SELECT id, name, description, version, xml_content AS xml, diagram_json, tags, metadata, site,
       created_by, updated_by, created_at, updated_at
  FROM diagrams WHERE id = $1
