-- name: NbMarkDiagramsStale :many
-- Marks stale the diagrams whose current version shows any of the devices (NetBox ids $1 as
-- text, asset ids $2).
UPDATE diagrams g SET netbox_stale_at = now()
  FROM diagram_versions v
 CROSS JOIN LATERAL (SELECT v.diagram_json::json AS doc) j
 WHERE v.diagram_id = g.id AND v.version = g.version
   AND EXISTS (SELECT 1 FROM json_array_elements(
                      CASE json_typeof(j.doc->'devices') WHEN 'array'
                           THEN j.doc->'devices' ELSE '[]'::json END) AS d
                WHERE d->>'netboxId' = ANY ($1::text[]) OR d->>'assetId' = ANY ($2::text[]))
RETURNING g.id
