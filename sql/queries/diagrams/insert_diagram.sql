-- name: InsertDiagram :one
-- Creates a diagram at version 1.
INSERT INTO diagrams (name, description, xml_content, diagram_json, tags, metadata, site,
                      created_by, updated_by)
VALUES ($1, coalesce($2, ''), $3, $4::jsonb, coalesce($5::text[], '{}'), coalesce($6::jsonb, '{}'),
        $7, $8, $8)
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
