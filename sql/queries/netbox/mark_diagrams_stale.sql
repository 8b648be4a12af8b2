-- name: NbMarkDiagramsStale :many
-- Marks stale the diagrams whose current content shows any of the devices (NetBox ids $1 as
-- text, asset ids $2).
UPDATE diagrams g SET netbox_stale_at = now()
 WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(
                      CASE jsonb_typeof(g.diagram_json->'devices') WHEN 'array'
                           THEN g.diagram_json->'devices' ELSE '[]'::jsonb END) AS d
                WHERE d->>'netboxId' = ANY ($1::text[]) OR d->>'assetId' = ANY ($2::text[]))
RETURNING g.id
