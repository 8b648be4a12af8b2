-- name: RefreshDiagramSource :one
-- The stored XML and metadata (with the scope it was generated from) of the diagram $1 that a
-- refresh merges the inventory into; the caller holds LockDiagram.
SELECT diagram_xml, metadata
  FROM diagrams
 WHERE id = $1
