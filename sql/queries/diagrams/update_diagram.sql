-- name: UpdateDiagram :one
-- Stores a new current content for a diagram and bumps its version.
UPDATE diagrams
   SET name = coalesce($2, name), description = coalesce($3, description), xml_content = $4,
       diagram_json = $5::json, stats = $10::jsonb, tags = coalesce($6::text[], tags),
       metadata = coalesce($7::jsonb, metadata), site = coalesce($8, site), updated_by = $9,
       version = version + 1
 WHERE id = $1
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
