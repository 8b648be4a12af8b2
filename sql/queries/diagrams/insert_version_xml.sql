-- name: InsertVersionXml :exec
-- Stores the XML of a diagram's new version ($3) before it is parsed: the database writes it
-- while the server parses it. The caller may send this right behind the statement that locks
-- or creates the diagram, before its result is known:
-- - without a version ($2), it is the one after the diagram's current version, read under the
--   lock LockDiagram took;
-- - without a diagram ($1), it is the one InsertDiagram just created in this transaction (the
--   last id this session drew from the diagrams' sequence).
-- SetVersionJson completes the row in the same transaction (the JSON null stands in until then
-- and is never committed).
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, change_summary,
                              created_by)
SELECT d.id, coalesce($2::int, d.version + 1), $3, 'null', $4, $5
  FROM diagrams d
 WHERE d.id = (SELECT coalesce($1::bigint, currval(pg_get_serial_sequence('diagrams', 'id'))))
