-- name: GetDiagram :one
-- One diagram with its current content and the number of its published (live) version.
SELECT d.id, d.name, d.description, d.version, v.xml_content AS xml, v.diagram_json, d.tags,
       d.metadata, d.site, d.created_by, d.updated_by, d.created_at, d.updated_at,
       (SELECT p.version FROM diagram_versions p
         WHERE p.diagram_id = d.id AND p.is_published) AS published_version
  FROM diagrams d
  JOIN diagram_versions v ON v.diagram_id = d.id AND v.version = d.version
 WHERE d.id = $1
