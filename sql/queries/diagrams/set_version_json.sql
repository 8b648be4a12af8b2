-- name: SetVersionJson :exec
-- Completes a version row stored by InsertVersionXml with its parsed diagram_json ($4 to $35:
-- the text in up to 32 pieces, joined here; see server/diagrams/json_pieces.ts) and stats ($3).
-- The XML, already stored out of line, is kept as it is, not written again. Diagram and
-- version are those InsertVersionXml was given: without a version, the diagram's latest row
-- (the one just inserted, under the diagram's lock); without a diagram, the one this
-- transaction just created.
UPDATE diagram_versions
   SET stats = $3::jsonb,
       diagram_json = concat($4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text,
                             $11::text, $12::text, $13::text, $14::text, $15::text, $16::text, $17::text,
                             $18::text, $19::text, $20::text, $21::text, $22::text, $23::text, $24::text,
                             $25::text, $26::text, $27::text, $28::text, $29::text, $30::text, $31::text,
                             $32::text, $33::text, $34::text, $35::text)
 WHERE diagram_id = (SELECT coalesce($1::bigint, currval(pg_get_serial_sequence('diagrams', 'id'))))
   AND version = coalesce($2::int, (SELECT max(m.version) FROM diagram_versions m
                                     WHERE m.diagram_id = $1::bigint))
