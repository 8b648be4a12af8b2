-- name: OpenAlertKeys :many
-- Which of the dedup keys $1 have an open alert.
SELECT dedup_key FROM alerts WHERE dedup_key = ANY($1::text[]) AND NOT resolved
