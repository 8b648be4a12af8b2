-- name: GetDiagram :one
-- One diagram with its current content and the number of its published (live) version.
SELECT d.id, d.name, d.description, d.version, d.xml_content AS xml, d.diagram_json, d.tags,
       d.metadata, d.site, d.created_by, d.updated_by, d.created_at, d.updated_at,
       (SELECT v.version FROM diagram_versions v
         WHERE v.diagram_id = d.id AND v.is_published) AS published_version
  FROM diagrams d WHERE d.id = $1
