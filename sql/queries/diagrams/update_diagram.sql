-- name: UpdateDiagram :one
-- Moves a diagram to its next version with new XML ($8) and its parsed content ($9 diagram_json,
-- $10 stats), changing the given fields (null ones keep their value); its version row follows
-- (InsertDiagramVersion). Callers hold LockDiagram.
UPDATE diagrams
   SET name = coalesce($2, name), description = coalesce($3, description),
       tags = coalesce($4::text[], tags), metadata = coalesce($5::jsonb, metadata),
       site = coalesce($6, site), updated_by = $7, diagram_xml = $8, diagram_json = $9::jsonb,
       stats = $10::jsonb, version = version + 1
 WHERE id = $1
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
