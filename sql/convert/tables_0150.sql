-- The tables of the previous schema (schema version 150), column for column, bare: no keys,
-- checks or triggers. Restoring a backup written by that release loads its rows here, then
-- from_0150.sql copies them into the current tables as it does for a database converted in
-- place, and drop_0150.sql drops these tables again, all in the restore's transaction.
CREATE SCHEMA archiflow_0150;

CREATE TABLE archiflow_0150.ip_pools (
  id bigint, name text, network cidr, gateway inet, dns_servers inet[], vlan_id integer,
  pool_type text, description text, site text, is_active boolean, created_at timestamptz,
  updated_at timestamptz, reserved_ranges text[], alert_threshold numeric(5, 2),
  netbox_prefix_id integer
);
CREATE TABLE archiflow_0150.ip_allocations (
  id bigint, pool_id bigint, ip_address inet, asset_id text, device_name text, device_type text,
  mac_address macaddr, hostname text, description text, allocated_by text,
  allocated_at timestamptz, released_at timestamptz, released_by text, is_active boolean,
  netbox_id integer
);
CREATE TABLE archiflow_0150.ip_pool_state (
  pool_id bigint, active_count bigint, total_addresses numeric(40, 0),
  excluded_count numeric(40, 0), ranges_ready boolean
);
CREATE TABLE archiflow_0150.ip_pool_free_ranges (pool_id bigint, first_ip inet, last_ip inet);
CREATE TABLE archiflow_0150.ip_allocation_keys (
  pool_id bigint, idempotency_key text, allocation_ids bigint[], created_at timestamptz
);
CREATE TABLE archiflow_0150.network_devices (
  id bigint, asset_id text, device_name text, device_type text, vendor text, model text,
  serial_number text, status text, site text, location text, primary_ip inet,
  management_ip inet, netbox_id integer, metadata jsonb, created_at timestamptz,
  updated_at timestamptz
);
CREATE TABLE archiflow_0150.device_ports (
  id bigint, device_id bigint, port_name text, port_type text, speed_mbps integer, status text,
  mac_address macaddr, vlan_id integer, description text, connected_port_id bigint,
  netbox_id integer, created_at timestamptz, updated_at timestamptz, netbox_cable_id integer
);
CREATE TABLE archiflow_0150.diagrams (
  id bigint, name text, description text, version integer, tags text[], metadata jsonb,
  site text, created_by text, updated_by text, created_at timestamptz, updated_at timestamptz,
  netbox_stale_at timestamptz, stats jsonb
);
CREATE TABLE archiflow_0150.diagram_versions (
  id bigint, diagram_id bigint, version integer, xml_content text, diagram_json text,
  change_summary text, created_by text, created_at timestamptz, is_published boolean,
  stats jsonb
);
CREATE TABLE archiflow_0150.diagram_shares (
  diagram_id bigint, user_name text, can_write boolean, created_by text, created_at timestamptz
);
CREATE TABLE archiflow_0150.diagram_links (
  diagram_id bigint, port_a_id bigint, port_b_id bigint, page_id text, edge_id text,
  created_at timestamptz
);
CREATE TABLE archiflow_0150.templates (
  id bigint, name text, description text, category text, xml_content text, variables jsonb,
  created_by text, created_at timestamptz, updated_at timestamptz
);
CREATE TABLE archiflow_0150.alerts (
  id bigint, alert_type text, severity text, title text, message text, source text,
  entity_type text, entity_id text, dedup_key text, details jsonb, acknowledged boolean,
  acknowledged_by text, acknowledged_at timestamptz, resolved boolean, resolved_by text,
  resolved_at timestamptz, created_at timestamptz, updated_at timestamptz
);
CREATE TABLE archiflow_0150.audit_log (
  id bigint, occurred_at timestamptz, user_name text, client_addr text, user_agent text,
  request_id text, action text, entity_type text, entity_id text, old_values jsonb,
  new_values jsonb
);
CREATE TABLE archiflow_0150.api_tokens (
  id bigint, key_hash text, key_prefix text, user_name text, scope text, description text,
  allowed_networks cidr[], expires_at timestamptz, last_used_at timestamptz,
  created_at timestamptz, revoked_at timestamptz
);
CREATE TABLE archiflow_0150.server_state (key text, value jsonb, updated_at timestamptz);
CREATE TABLE archiflow_0150.editor_revocations (
  netbox_user text, not_before timestamptz, revoked_by text, updated_at timestamptz
);
CREATE TABLE archiflow_0150.sites (
  id bigint, netbox_id integer, name text, slug text, status text, description text,
  region text, tenant text, time_zone text, latitude numeric(8, 6), longitude numeric(9, 6),
  netbox_updated_at timestamptz, created_at timestamptz, updated_at timestamptz
);
CREATE TABLE archiflow_0150.vlans (
  id bigint, netbox_id integer, vid integer, name text, status text, site text,
  group_name text, description text, netbox_updated_at timestamptz, created_at timestamptz,
  updated_at timestamptz
);
CREATE TABLE archiflow_0150.netbox_prefixes (
  netbox_id integer, prefix cidr, vrf text, status text, role text, is_pool boolean,
  tags text[], site text, vlan_vid integer, description text, selected boolean,
  netbox_updated_at timestamptz, synced_at timestamptz
);
CREATE TABLE archiflow_0150.netbox_ip_addresses (
  netbox_id integer, address inet, vrf text, status text, dns_name text, description text,
  interface_netbox_id integer, device_netbox_id integer, netbox_updated_at timestamptz,
  synced_at timestamptz
);
CREATE TABLE archiflow_0150.netbox_cables (
  netbox_id integer, status text, label text, a_interfaces integer[], b_interfaces integer[],
  a_types text[], b_types text[], netbox_updated_at timestamptz, synced_at timestamptz
);
CREATE TABLE archiflow_0150.sync_runs (
  id bigint, mode text, status text, netbox_url text, netbox_version text,
  netbox_started_at timestamptz, since timestamptz, counts jsonb, errors jsonb,
  requests integer, started_at timestamptz, finished_at timestamptz, duration_ms integer
);
CREATE TABLE archiflow_0150.netbox_webhook_deliveries (
  id bigint, delivery_key text, event text, model text, object_id integer, username text,
  outcome text, received_at timestamptz
);
CREATE TABLE archiflow_0150.netbox_outbox (
  id bigint, action text, dedup_key text, allocation_id bigint, payload jsonb, status text,
  attempts integer, next_attempt_at timestamptz, last_error text, netbox_id integer,
  created_at timestamptz, done_at timestamptz
);
