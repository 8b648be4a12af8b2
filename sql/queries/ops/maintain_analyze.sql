-- name: MaintainAnalyze :exec
-- Refreshes the planner statistics of every table.
ANALYZE;
