-- name: GetDiagramVersion :one
-- One stored version of a diagram with its content, shaped like the current diagram.
SELECT d.id, d.name, d.description, v.version, v.xml_content AS xml, v.diagram_json, d.tags,
       d.metadata, d.site, d.created_by, d.updated_by, d.created_at, d.updated_at,
       d.version AS current_version, v.change_summary, v.created_by AS version_created_by,
       v.created_at AS version_created_at, v.is_published
  FROM diagram_versions v
  JOIN diagrams d ON d.id = v.diagram_id
 WHERE v.diagram_id = $1 AND v.version = $2
