-- name: UpdateDiagram :one
-- Moves a diagram to its next version with new XML ($8), changing the given fields (null ones
-- keep their value); its parsed content and its version row follow (SetDiagramJson,
-- InsertDiagramVersion). Callers hold LockDiagram.
UPDATE diagrams
   SET name = coalesce($2, name), description = coalesce($3, description),
       tags = coalesce($4::text[], tags), metadata = coalesce($5::jsonb, metadata),
       site = coalesce($6, site), updated_by = $7, diagram_xml = $8, version = version + 1
 WHERE id = $1
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
