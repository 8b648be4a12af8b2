-- name: RestStatusCounts :one
-- Object counts shown by /api/status/.
SELECT (SELECT count(*) FROM ip_pools) AS ip_pools,
       (SELECT count(*) FROM ip_allocations WHERE is_active) AS active_allocations,
       (SELECT count(*) FROM network_devices) AS devices,
       (SELECT count(*) FROM diagrams) AS diagrams,
       (SELECT count(*) FROM alerts WHERE NOT resolved) AS open_alerts
