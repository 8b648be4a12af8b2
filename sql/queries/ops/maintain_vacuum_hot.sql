-- name: MaintainVacuumHot :exec
-- Reclaims dead rows of the tables that change most (allocations, audit, alerts, diagrams).
VACUUM (ANALYZE) ip_allocations, audit_log, alerts, diagrams, diagram_versions, network_devices, device_ports, ip_pools;
