-- name: RestStatusCounts :one
-- Object counts shown by /api/status/; diagrams only those the caller may see ($1 user,
-- $2 ACL on, $3 admin; the rule of RestVisibleDiagramIds), so the count does not reveal hidden
-- ones.
SELECT (SELECT count(*) FROM ip_pools) AS ip_pools,
       (SELECT count(*) FROM ip_allocations WHERE is_active) AS active_allocations,
       (SELECT count(*) FROM network_devices) AS devices,
       (SELECT count(*) FROM diagrams d
         WHERE NOT $2::boolean
            OR $3::boolean
            OR d.created_by = $1::text
            OR EXISTS (SELECT 1 FROM diagram_shares s
                        WHERE s.diagram_id = d.id AND s.user_name = $1::text)) AS diagrams,
       (SELECT count(*) FROM alerts WHERE NOT resolved) AS open_alerts
