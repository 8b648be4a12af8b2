-- name: MaintainVacuumHot :exec
-- Reclaims dead rows of the tables that change most (allocations, audit, alerts, diagrams).
VACUUM (ANALYZE) archiflow.ip_allocations, archiflow.audit_log, archiflow.alerts,
  archiflow.diagrams, archiflow.diagram_versions, archiflow.network_devices,
  archiflow.device_ports, archiflow.ip_pools;
