-- name: SetVersionJson :exec
-- Completes a version row stored by InsertVersionXml with its parsed diagram_json and stats
-- (the XML, already stored out of line, is kept as it is, not written again). Diagram and
-- version are those InsertVersionXml was given: without a version, the diagram's latest row
-- (the one just inserted, under the diagram's lock); without a diagram, the one this
-- transaction just created.
UPDATE diagram_versions SET diagram_json = $3, stats = $4::jsonb
 WHERE diagram_id = (SELECT coalesce($1::bigint, currval(pg_get_serial_sequence('diagrams', 'id'))))
   AND version = coalesce($2::int, (SELECT max(m.version) FROM diagram_versions m
                                     WHERE m.diagram_id = $1::bigint))
