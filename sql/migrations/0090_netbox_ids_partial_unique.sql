-- Devices, ports and allocations made in ArchiFlow (drawn, allocated) have no NetBox id, yet a
-- plain UNIQUE (netbox_id) indexes their NULLs too: one more index entry on every insert, which
-- a diagram save creating 20,000 ports or a busy allocator pays row by row. Partial unique
-- indexes keep NetBox ids unique and index only the rows that have one; upserts from NetBox
-- name the index by `ON CONFLICT (netbox_id) WHERE netbox_id IS NOT NULL`.
ALTER TABLE network_devices DROP CONSTRAINT network_devices_netbox_id_key;
CREATE UNIQUE INDEX uq_network_devices_netbox_id ON network_devices (netbox_id)
  WHERE netbox_id IS NOT NULL;
ALTER TABLE device_ports DROP CONSTRAINT device_ports_netbox_id_key;
CREATE UNIQUE INDEX uq_device_ports_netbox_id ON device_ports (netbox_id)
  WHERE netbox_id IS NOT NULL;
ALTER TABLE ip_allocations DROP CONSTRAINT ip_allocations_netbox_id_key;
CREATE UNIQUE INDEX uq_ip_allocations_netbox_id ON ip_allocations (netbox_id)
  WHERE netbox_id IS NOT NULL;
