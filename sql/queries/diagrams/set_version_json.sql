-- name: SetVersionJson :exec
-- Completes a version row stored by InsertVersionXml with its parsed diagram_json and stats
-- (the XML, already stored out of line, is kept as it is, not written again).
UPDATE diagram_versions SET diagram_json = $3::json, stats = $4::jsonb
 WHERE diagram_id = $1 AND version = $2
