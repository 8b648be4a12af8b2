-- name: GetDiagram :one
-- One diagram with its current content (diagram_json as JSON text, passed on unparsed) and the
-- number of its published (live) version.
SELECT d.id, d.name, d.description, d.version, d.diagram_xml AS xml,
       d.diagram_json::text AS diagram_json, d.tags, d.metadata, d.site, d.created_by,
       d.updated_by, d.created_at, d.updated_at,
       (SELECT p.version_number FROM diagram_versions p
         WHERE p.diagram_id = d.id AND p.is_published) AS published_version
  FROM diagrams d
 WHERE d.id = $1
