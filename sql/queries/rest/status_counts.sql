-- name: RestStatusCounts :one
-- Object counts shown by /api/status/; diagrams only those the caller may see ($1 user,
-- $2 ACL on, $3 admin), so the count does not reveal hidden ones.
SELECT (SELECT count(*) FROM ip_pools) AS ip_pools,
       (SELECT count(*) FROM ip_allocations WHERE is_active) AS active_allocations,
       (SELECT count(*) FROM network_devices) AS devices,
       (SELECT count(*) FROM diagrams d
         WHERE diagram_access(d.created_by, d.id, $1::text, $2::boolean, $3::boolean) IS NOT NULL)
         AS diagrams,
       (SELECT count(*) FROM alerts WHERE NOT resolved) AS open_alerts
