-- name: FirstInvalidDiagramJson :one
-- After a restore: a version whose diagram_json is not JSON text (the server passes it on
-- unparsed, so none may be), or nulls.
SELECT diagram_id, version FROM archiflow_first_invalid_diagram_json()
