-- name: GetDiagramVersion :one
-- One stored version of a diagram with its content, shaped like the current diagram (the name
-- is the one the diagram had at that version).
SELECT d.id, coalesce(v.name, d.name) AS name, d.description, v.version_number AS version,
       v.diagram_xml AS xml, v.diagram_json::text AS diagram_json, d.tags, d.metadata, d.site,
       d.created_by, d.updated_by, d.created_at, d.updated_at, d.version AS current_version,
       v.change_summary, v.created_by AS version_created_by, v.created_at AS version_created_at,
       v.is_current, v.is_published
  FROM diagram_versions v
  JOIN diagrams d ON d.id = v.diagram_id
 WHERE v.diagram_id = $1 AND v.version_number = $2
