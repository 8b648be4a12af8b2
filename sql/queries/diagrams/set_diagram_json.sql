-- name: SetDiagramJson :exec
-- Completes the diagrams row InsertDiagram or UpdateDiagram wrote with its parsed content ($3 to
-- $34: the JSON text in up to 32 pieces, joined here; see server/diagrams/json_pieces.ts) and
-- the stats listings show ($2). The XML, written before, is not sent again.
UPDATE diagrams
   SET stats = $2::jsonb,
       diagram_json = concat($3::text, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
                             $10::text, $11::text, $12::text, $13::text, $14::text, $15::text,
                             $16::text, $17::text, $18::text, $19::text, $20::text, $21::text,
                             $22::text, $23::text, $24::text, $25::text, $26::text, $27::text,
                             $28::text, $29::text, $30::text, $31::text, $32::text, $33::text,
                             $34::text)::jsonb
 WHERE id = $1
