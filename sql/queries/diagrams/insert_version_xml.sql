-- name: InsertVersionXml :exec
-- Stores the XML of a diagram's new version ($2) before it is parsed: the database writes it
-- while the server parses it. SetVersionJson completes the row in the same transaction (the
-- JSON null stands in until then and is never committed).
INSERT INTO diagram_versions (diagram_id, version, xml_content, diagram_json, change_summary,
                              created_by)
VALUES ($1, $2, $3, 'null', $4, $5)
