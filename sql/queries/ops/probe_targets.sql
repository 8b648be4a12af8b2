-- name: ProbeTargets :many
-- Active devices that have a management address, for the reachability prober.
SELECT asset_id, device_name, host(management_ip) AS management_ip
  FROM network_devices
 WHERE status = 'active' AND management_ip IS NOT NULL
 ORDER BY asset_id;
