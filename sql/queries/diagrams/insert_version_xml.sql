-- name: InsertVersionXml :exec
-- Stores the XML of a diagram's new version ($3) before it is parsed: the database writes it
-- while the server parses it. The version is $2, or without it the one after the diagram's
-- current version: the caller may then send this right behind LockDiagram, before knowing
-- the version (it is read under that lock), and parse while both run. SetVersionJson
-- completes the row in the same transaction (the JSON null stands in until then and is never
-- committed).
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, change_summary,
                              created_by)
SELECT d.id, coalesce($2::int, d.version + 1), $3, 'null', $4, $5
  FROM diagrams d
 WHERE d.id = $1
