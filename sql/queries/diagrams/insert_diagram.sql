-- name: InsertDiagram :one
-- Creates a diagram at version 1 under the id the client chose ($1), with its XML; its parsed
-- content follows (SetDiagramJson), then its first version (InsertDiagramVersion). No row when
-- the id is taken.
INSERT INTO diagrams (id, name, description, tags, metadata, site, created_by, updated_by,
                      diagram_xml)
VALUES ($1, $2, coalesce($3, ''), coalesce($4::text[], '{}'), coalesce($5::jsonb, '{}'), $6, $7,
        $7, $8)
ON CONFLICT (id) DO NOTHING
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
