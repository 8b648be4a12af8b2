-- name: MetricsStatementTimeout :one
-- Bounds each statement of the scrape's transaction to $1 (e.g. '2s'): a scrape held up behind
-- a lock gives up instead of holding a connection of the pool.
SELECT set_config('statement_timeout', $1, true) AS statement_timeout;
