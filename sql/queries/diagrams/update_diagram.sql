-- name: UpdateDiagram :one
-- Moves a diagram to its next version (whose content goes into its version row), changing the
-- given fields; null ones keep their value.
UPDATE diagrams
   SET name = coalesce($2, name), description = coalesce($3, description),
       stats = $8::jsonb, tags = coalesce($4::text[], tags),
       metadata = coalesce($5::jsonb, metadata), site = coalesce($6, site), updated_by = $7,
       version = version + 1
 WHERE id = $1
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
