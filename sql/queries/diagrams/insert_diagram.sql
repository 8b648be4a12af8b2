-- name: InsertDiagram :one
-- Creates a diagram at version 1 under the id the client chose ($1), with its XML ($8) and its
-- parsed content ($9 diagram_json, $10 stats); its first version follows (InsertDiagramVersion).
-- No row when the id is taken.
INSERT INTO diagrams (id, name, description, tags, metadata, site, created_by, updated_by,
                      diagram_xml, diagram_json, stats)
VALUES ($1, $2, coalesce($3, ''), coalesce($4::text[], '{}'), coalesce($5::jsonb, '{}'), $6, $7,
        $7, $8, $9::jsonb, $10::jsonb)
ON CONFLICT (id) DO NOTHING
RETURNING id, name, description, version, tags, metadata, site, created_by, updated_by,
          created_at, updated_at
