-- name: UpdateDiagramContent :one
-- Makes given content the diagram's current one as its next version (restore).
UPDATE diagrams
   SET xml_content = $2, diagram_json = $3::json, stats = $5::jsonb, updated_by = $4,
       version = version + 1
 WHERE id = $1
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
