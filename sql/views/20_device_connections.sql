-- The document's device_connections, as written: every port plugged into another, with both
-- devices named (a cable appears once from each end).
CREATE VIEW device_connections AS
SELECT dp1.device_id AS source_device,
       nd1.device_name AS source_name,
       dp1.port_name AS source_port,
       dp1.connected_to_device AS target_device,
       nd2.device_name AS target_name,
       dp1.connected_to_port AS target_port,
       dp1.status AS connection_status
  FROM device_ports dp1
  LEFT JOIN network_devices nd1 ON dp1.device_id = nd1.asset_id
  LEFT JOIN network_devices nd2 ON dp1.connected_to_device = nd2.asset_id
 WHERE dp1.connected_to_device IS NOT NULL;
