-- Drops the previous schema's tables (and functions) set aside in archiflow_0150 once
-- from_0150.sql has copied their rows. Tables are dropped by name and without CASCADE: an
-- object built on them elsewhere (a view someone made) stops the conversion with its name,
-- instead of vanishing with them.
DROP TABLE IF EXISTS archiflow_0150.schema_migrations;
DROP TABLE archiflow_0150.ip_pools, archiflow_0150.ip_allocations, archiflow_0150.ip_pool_state,
  archiflow_0150.ip_pool_free_ranges, archiflow_0150.ip_allocation_keys,
  archiflow_0150.network_devices, archiflow_0150.device_ports, archiflow_0150.diagrams,
  archiflow_0150.diagram_versions, archiflow_0150.diagram_shares, archiflow_0150.diagram_links,
  archiflow_0150.templates, archiflow_0150.alerts, archiflow_0150.audit_log,
  archiflow_0150.api_tokens, archiflow_0150.server_state, archiflow_0150.editor_revocations,
  archiflow_0150.sites, archiflow_0150.vlans, archiflow_0150.netbox_prefixes,
  archiflow_0150.netbox_ip_addresses, archiflow_0150.netbox_cables, archiflow_0150.sync_runs,
  archiflow_0150.netbox_webhook_deliveries, archiflow_0150.netbox_outbox;
-- What is left are functions: the old schema's, which only its tables used, and from_0150's.
DROP SCHEMA archiflow_0150 CASCADE;
