-- name: InsertDiagram :one
-- Creates a diagram at version 1.
INSERT INTO diagrams (name, description, xml_content, diagram_json, tags, metadata, site,
                      created_by, updated_by, stats)
VALUES ($1, coalesce($2, ''), $3, $4::json, coalesce($5::text[], '{}'), coalesce($6::jsonb, '{}'),
        $7, $8, $8, $9::jsonb)
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
