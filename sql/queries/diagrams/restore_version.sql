-- name: RestoreDiagramVersion :one
-- Moves a diagram to its next version holding the content of its version $2 (copied inside
-- the server); no row when there is no such version. Returns the diagram and the restored
-- content (parsed), for the inventory. InsertDiagramVersion keeps it as the new current
-- version. Callers hold LockDiagram.
UPDATE diagrams d
   SET diagram_xml = v.diagram_xml, diagram_json = v.diagram_json, stats = v.stats,
       version = d.version + 1, updated_by = $3
  FROM diagram_versions v
 WHERE d.id = $1 AND v.diagram_id = $1 AND v.version_number = $2
RETURNING d.id, d.name, d.description, d.version, d.tags, d.metadata, d.site, d.created_by,
          d.updated_by, d.created_at, d.updated_at, d.stats, d.diagram_json
