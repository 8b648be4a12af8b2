-- name: CountDiagramVersions :one
-- How many versions a diagram has, and whether it exists at all.
SELECT d.id, d.name, d.version AS current_version,
       (SELECT count(*) FROM diagram_versions v WHERE v.diagram_id = d.id)::int AS total
  FROM diagrams d
 WHERE d.id = $1
