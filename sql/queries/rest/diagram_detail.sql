-- name: RestDiagramDetail :many
-- Base rows of /api/diagrams/{id}/: diagrams with the stored XML and parsed diagram_json of
-- their current version.
SELECT d.id, d.name, d.description, d.version, d.tags, d.metadata, d.site, d.created_by,
       d.updated_by, d.created_at, d.updated_at, v.xml_content, v.diagram_json::json AS diagram_json
  FROM diagrams d
  JOIN diagram_versions v ON v.diagram_id = d.id AND v.version = d.version
