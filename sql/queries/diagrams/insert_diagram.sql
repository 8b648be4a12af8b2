-- name: InsertDiagram :one
-- Creates a diagram at version 1 (its content goes into its version row).
INSERT INTO diagrams (name, description, tags, metadata, site, created_by, updated_by, stats)
VALUES ($1, coalesce($2, ''), coalesce($3::text[], '{}'), coalesce($4::jsonb, '{}'), $5, $6, $6,
        $7::jsonb)
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
