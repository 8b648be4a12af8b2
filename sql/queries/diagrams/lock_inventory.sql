-- name: LockDiagramInventory :exec
-- Serialises the inventory step of diagram saves, so two diagrams never claim one port at once.
SELECT pg_advisory_xact_lock(727400401)
