-- name: InsertNumberedDiagram :one
-- Creates a diagram as InsertDiagram does, its id ("diagram-7") made by the column's default.
-- No row when that id was already chosen by a client: the caller tries again (the next number).
INSERT INTO diagrams (name, description, tags, metadata, site, created_by, updated_by,
                      diagram_xml, diagram_json, stats)
VALUES ($1, coalesce($2, ''), coalesce($3::text[], '{}'), coalesce($4::jsonb, '{}'), $5, $6, $6,
        $7, $8::jsonb, $9::jsonb)
ON CONFLICT (id) DO NOTHING
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
