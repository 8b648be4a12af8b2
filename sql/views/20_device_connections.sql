-- Each physical link once: a port and the port it is connected to, with both devices named.
CREATE VIEW device_connections AS
SELECT a.id AS port_a_id, da.id AS device_a_id, da.asset_id AS device_a_asset_id,
       da.device_name AS device_a_name, a.port_name AS port_a_name,
       b.id AS port_b_id, db.id AS device_b_id, db.asset_id AS device_b_asset_id,
       db.device_name AS device_b_name, b.port_name AS port_b_name,
       a.status AS port_a_status, b.status AS port_b_status
  FROM device_ports a
  JOIN device_ports b ON b.id = a.connected_port_id
  JOIN network_devices da ON da.id = a.device_id
  JOIN network_devices db ON db.id = b.device_id
 WHERE a.id < b.id;
