-- Copies every row of the previous schema (schema version 150), set aside in archiflow_0150,
-- into the empty tables of the baseline in `archiflow`. The same statements serve a database
-- converted in place (move_0150.sql put its tables there) and a backup of that release being
-- restored (its rows were loaded into tables_0150.sql). Identity values are kept; numbered ids
-- of pools, diagrams and templates become their text ("7"), which never looks like a generated
-- id ("pool-7"). Tables are filled in foreign-key order; the peer of a port is checked at commit.
-- Every table name is qualified: the old and the new tables share their names.

-- Old audit rows kept the client address as text; the new column takes only addresses.
CREATE FUNCTION archiflow_0150.as_inet(addr text) RETURNS inet LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN addr::inet;
EXCEPTION WHEN invalid_text_representation THEN
  RETURN NULL;
END
$$;

-- Devices are now known by their asset id alone, which must be a valid id of the new schema.
DO $$
DECLARE
  bad text;
BEGIN
  SELECT asset_id INTO bad FROM archiflow_0150.network_devices
   WHERE length(asset_id) > 100 OR NOT archiflow.archiflow_valid_id(asset_id)
   ORDER BY id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'The device with asset id "%" cannot be converted: an asset id has at most 100 characters, no blanks around it and no control characters. Change it with the previous release, then upgrade.', bad;
  END IF;
END
$$;

-- Audit rows in the words the server writes now. The old words that changed, as a table:
-- an allocation or release was audited on the allocation, now on its pool (entity_id the
-- pool's id); raising an alert creates it, and acknowledging or resolving it (by hand, by the
-- prober or automatically) updates it, as does the sync retiring a pool. Devices are known by
-- their asset id (the old rows named them by number; a device deleted since keeps its
-- number), ports are 'port'. Pools, diagrams and templates were named by the number their
-- text id is now.
CREATE VIEW archiflow_0150.converted_audit_log AS
SELECT o.id,
       coalesce(w.new_action, o.action) AS action,
       CASE WHEN w.of_pool THEN 'ip_pool'
            WHEN o.entity_type = 'network_device' THEN 'device'
            WHEN o.entity_type = 'device_port' THEN 'port'
            ELSE o.entity_type END AS entity_type,
       CASE WHEN w.of_pool
              THEN coalesce(a.pool_id::text, o.new_values->>'pool_id',
                            o.new_values->0->>'pool_id', o.entity_id)
            WHEN o.entity_type = 'network_device' THEN coalesce(d.asset_id, o.entity_id)
            ELSE o.entity_id END AS entity_id,
       o.old_values, o.new_values, o.user_name, o.client_addr, o.user_agent, o.occurred_at,
       o.request_id
  FROM archiflow_0150.audit_log o
  LEFT JOIN (VALUES ('allocate', 'ip_allocation', 'allocate_ip', true),
                    ('release', 'ip_allocation', 'release_ip', true),
                    ('raise', 'alert', 'create', false),
                    ('acknowledge', 'alert', 'update', false),
                    ('resolve', 'alert', 'update', false),
                    ('auto-resolve', 'alert', 'update', false),
                    ('deactivate', 'ip_pool', 'update', false))
         AS w (old_action, old_entity_type, new_action, of_pool)
    ON w.old_action = o.action AND w.old_entity_type = o.entity_type
  LEFT JOIN archiflow_0150.ip_allocations a ON w.of_pool AND a.id::text = o.entity_id
  LEFT JOIN archiflow_0150.network_devices d
    ON o.entity_type = 'network_device' AND d.id::text = o.entity_id;

-- Alerts about a device name it by asset id. Those the prober raised named it by number, in
-- entity_id and in their dedup key ('device_down:<number>'); the prober's key is
-- 'device_down:<asset id>' now, so an open alert of a device still down stays the one alert.
-- The others (device_down from ports or status, ip_conflict between devices) named the asset id
-- already. An alert of a device deleted since keeps its number.
CREATE VIEW archiflow_0150.converted_alerts AS
SELECT o.id, o.alert_type, o.severity, o.source, o.message, o.details, o.acknowledged,
       o.acknowledged_by, o.acknowledged_at, o.resolved, o.resolved_by, o.resolved_at,
       o.created_at, o.title,
       CASE o.entity_type WHEN 'network_device' THEN 'device' ELSE o.entity_type END
         AS entity_type,
       coalesce(d.asset_id, o.entity_id) AS entity_id,
       CASE WHEN d.asset_id IS NULL THEN o.dedup_key ELSE 'device_down:' || d.asset_id END
         AS dedup_key,
       o.updated_at
  FROM archiflow_0150.alerts o
  LEFT JOIN archiflow_0150.network_devices d
    ON o.entity_type = 'network_device' AND o.dedup_key = 'device_down:' || o.entity_id
   AND d.id::text = o.entity_id;

-- The old columns were text; the new ones have lengths. A value too long for its column stops
-- the conversion naming it (nothing is cut short): the old release, which took it, can change
-- it. Each entry: the new table and column, the old rows (with their id), the value as it is
-- copied, and how the message names the row. Not listed, as they always fit: ids made from
-- numbers, port speeds (at most "2147483.647G"), asset ids (checked above, also where ports
-- name their device or peer), port names where a port names its peer (its port_name is
-- checked), a version's name (its diagram's, checked), audit_log.user_id (below).
DO $$
DECLARE
  c record;
  max_length integer;
  bad_row text;
  bad_length integer;
BEGIN
  FOR c IN
    SELECT * FROM (VALUES
      ('ip_pools', 'name', 'ip_pools', 'o.name', NULL),
      ('ip_pools', 'pool_type', 'ip_pools', 'o.pool_type', NULL),
      ('ip_allocations', 'asset_id', 'ip_allocations', 'o.asset_id', NULL),
      ('ip_allocations', 'device_name', 'ip_allocations', 'o.device_name', NULL),
      ('ip_allocations', 'device_type', 'ip_allocations', 'o.device_type', NULL),
      ('ip_allocations', 'allocated_by', 'ip_allocations', 'o.allocated_by', NULL),
      ('ip_allocations', 'released_by', 'ip_allocations', 'o.released_by', NULL),
      ('network_devices', 'device_name', 'network_devices', 'o.device_name', 'asset'),
      ('network_devices', 'device_type', 'network_devices', 'o.device_type', 'asset'),
      ('network_devices', 'vendor', 'network_devices', 'o.vendor', 'asset'),
      ('network_devices', 'model', 'network_devices', 'o.model', 'asset'),
      ('network_devices', 'serial_number', 'network_devices', 'o.serial_number', 'asset'),
      ('network_devices', 'location', 'network_devices', 'o.location', 'asset'),
      ('network_devices', 'status', 'network_devices', 'o.status', 'asset'),
      ('device_ports', 'port_name', 'device_ports', 'o.port_name', NULL),
      ('device_ports', 'port_type', 'device_ports', 'o.port_type', NULL),
      ('device_ports', 'status', 'device_ports',
       $s$CASE o.status WHEN 'disabled' THEN 'admin-down' ELSE o.status END$s$, NULL),
      ('diagrams', 'name', 'diagrams', 'o.name', NULL),
      ('diagrams', 'created_by', 'diagrams', 'o.created_by', NULL),
      ('diagrams', 'updated_by', 'diagrams', 'o.updated_by', NULL),
      ('diagram_versions', 'created_by', 'diagram_versions', 'o.created_by', NULL),
      ('templates', 'name', 'templates', 'o.name', NULL),
      ('templates', 'category', 'templates', 'o.category', NULL),
      ('templates', 'created_by', 'templates', 'o.created_by', NULL),
      ('alerts', 'alert_type', 'alerts', 'o.alert_type', NULL),
      ('alerts', 'severity', 'alerts', 'o.severity', NULL),
      ('alerts', 'source', 'alerts', 'o.source', NULL),
      ('alerts', 'acknowledged_by', 'alerts', 'o.acknowledged_by', NULL),
      ('alerts', 'resolved_by', 'alerts', 'o.resolved_by', NULL),
      ('audit_log', 'action', 'converted_audit_log', 'o.action', NULL),
      ('audit_log', 'entity_type', 'converted_audit_log', 'o.entity_type', NULL),
      ('audit_log', 'entity_id', 'converted_audit_log', 'o.entity_id', NULL),
      ('audit_log', 'user_name', 'converted_audit_log', 'o.user_name', NULL))
      AS v (new_table, new_column, old_rows, value, row_name)
  LOOP
    SELECT character_maximum_length INTO max_length
      FROM information_schema.columns
     WHERE table_schema = 'archiflow' AND table_name = c.new_table
       AND column_name = c.new_column AND data_type = 'character varying';
    IF max_length IS NULL THEN
      RAISE EXCEPTION 'archiflow.%.% has no length to check', c.new_table, c.new_column;
    END IF;
    bad_row := NULL;
    EXECUTE format(
      'SELECT %s, length(%s) FROM archiflow_0150.%I o WHERE length(%s) > %s ORDER BY o.id LIMIT 1',
      CASE c.row_name WHEN 'asset' THEN $s$'with asset id "' || o.asset_id || '"'$s$
                      ELSE $s$'with id ' || o.id$s$ END,
      c.value, c.old_rows, c.value, max_length)
      INTO bad_row, bad_length;
    IF bad_row IS NOT NULL THEN
      RAISE EXCEPTION 'The row % of % cannot be converted: its % has % characters, and the new column %.% takes at most %. Shorten it with the previous release, then upgrade.',
        bad_row, c.new_table, c.new_column, bad_length, c.new_table, c.new_column, max_length;
    END IF;
  END LOOP;
END
$$;

INSERT INTO archiflow.ip_pools
  (id, name, network, gateway, dns_servers, vlan_id, description, pool_type, created_at,
   updated_at, is_active, site, reserved_ranges, alert_threshold, netbox_prefix_id)
SELECT o.id::text, o.name, o.network, o.gateway,
       -- inet[]'s text form lists the addresses as they are written ("10.0.0.2", not "/32").
       o.dns_servers::text::text[],
       o.vlan_id, o.description, o.pool_type, o.created_at, o.updated_at, o.is_active, o.site,
       o.reserved_ranges, o.alert_threshold, o.netbox_prefix_id
  FROM archiflow_0150.ip_pools o;

-- Inserting the pools made their state rows; the sizes and free-range readiness come from
-- the old rows (the active counters are kept by the allocations' triggers below).
UPDATE archiflow.ip_pool_state s
   SET total_addresses = o.total_addresses, excluded_count = o.excluded_count,
       ranges_ready = o.ranges_ready
  FROM archiflow_0150.ip_pool_state o
 WHERE s.pool_id = o.pool_id::text;

INSERT INTO archiflow.ip_allocations
  (id, ip_address, pool_id, asset_id, device_name, device_type, mac_address, allocated_at,
   allocated_by, released_at, released_by, is_active, notes, hostname, netbox_id)
SELECT o.id, o.ip_address, o.pool_id::text, coalesce(o.asset_id, ''), o.device_name,
       o.device_type, o.mac_address, o.allocated_at, o.allocated_by, o.released_at,
       o.released_by, o.is_active, o.description, o.hostname, o.netbox_id
  FROM archiflow_0150.ip_allocations o;

INSERT INTO archiflow.ip_pool_free_ranges (pool_id, first_ip, last_ip)
SELECT o.pool_id::text, o.first_ip, o.last_ip FROM archiflow_0150.ip_pool_free_ranges o;

INSERT INTO archiflow.ip_allocation_keys (pool_id, idempotency_key, allocation_ids, created_at)
SELECT o.pool_id::text, o.idempotency_key, o.allocation_ids::integer[], o.created_at
  FROM archiflow_0150.ip_allocation_keys o;

INSERT INTO archiflow.network_devices
  (asset_id, device_name, device_type, vendor, model, serial_number, location, status,
   primary_ip, management_ip, metadata, created_at, updated_at, site, netbox_id)
SELECT o.asset_id, o.device_name, o.device_type, o.vendor, o.model, o.serial_number,
       o.location, o.status, o.primary_ip, o.management_ip, o.metadata, o.created_at,
       o.updated_at, o.site, o.netbox_id
  FROM archiflow_0150.network_devices o;

-- A port names its device and its peer by asset id and port name; speeds are written as the
-- document writes them (1000 Mbit/s is "1G", 2500 is "2.5G", 100 is "100M").
INSERT INTO archiflow.device_ports
  (id, device_id, port_name, port_type, speed, status, vlan_id, connected_to_device,
   connected_to_port, created_at, updated_at, mac_address, description, netbox_id,
   netbox_cable_id)
SELECT p.id, d.asset_id, p.port_name, p.port_type,
       CASE WHEN p.speed_mbps IS NULL THEN NULL
            WHEN p.speed_mbps >= 1000 THEN trim_scale(p.speed_mbps / 1000.0)::text || 'G'
            ELSE p.speed_mbps::text || 'M' END,
       CASE p.status WHEN 'disabled' THEN 'admin-down' ELSE p.status END,
       p.vlan_id, pd.asset_id, peer.port_name, p.created_at, p.updated_at, p.mac_address,
       p.description, p.netbox_id, p.netbox_cable_id
  FROM archiflow_0150.device_ports p
  LEFT JOIN archiflow_0150.network_devices d ON d.id = p.device_id
  LEFT JOIN archiflow_0150.device_ports peer ON peer.id = p.connected_port_id
  LEFT JOIN archiflow_0150.network_devices pd ON pd.id = peer.device_id;

-- The diagrams row holds the content of its current version again.
INSERT INTO archiflow.diagrams
  (id, name, description, diagram_xml, diagram_json, version, is_current, created_at,
   updated_at, created_by, updated_by, tags, metadata, site, stats, netbox_stale_at)
SELECT d.id::text, d.name, d.description, v.xml_content, v.diagram_json::jsonb,
       d.version, true, d.created_at, d.updated_at, d.created_by, d.updated_by, d.tags,
       d.metadata, d.site, d.stats, d.netbox_stale_at
  FROM archiflow_0150.diagrams d
  LEFT JOIN archiflow_0150.diagram_versions v ON v.diagram_id = d.id AND v.version = d.version;

INSERT INTO archiflow.diagram_versions
  (id, diagram_id, version_number, name, diagram_xml, diagram_json, change_summary, created_at,
   created_by, is_current, stats, is_published)
SELECT v.id, v.diagram_id::text, v.version, d.name, v.xml_content,
       v.diagram_json::jsonb, v.change_summary, v.created_at, v.created_by,
       v.version = d.version, v.stats, v.is_published
  FROM archiflow_0150.diagram_versions v
  LEFT JOIN archiflow_0150.diagrams d ON d.id = v.diagram_id;

INSERT INTO archiflow.diagram_shares (diagram_id, user_name, can_write, created_by, created_at)
SELECT o.diagram_id::text, o.user_name, o.can_write, o.created_by, o.created_at
  FROM archiflow_0150.diagram_shares o;

INSERT INTO archiflow.diagram_links (diagram_id, port_a_id, port_b_id, page_id, edge_id, created_at)
SELECT o.diagram_id::text, o.port_a_id, o.port_b_id, o.page_id, o.edge_id, o.created_at
  FROM archiflow_0150.diagram_links o;

-- The templates ArchiFlow shipped keep their place under the ids they ship with now. The
-- baseline inserted the shipped templates a moment ago; where the old database has a template
-- of that name, its own row is the one kept (as the old release's migration left an existing
-- template of the name alone), and shipped templates it lacks stay added.
DELETE FROM archiflow.templates t
 USING archiflow_0150.templates o
 WHERE o.name = t.name;

INSERT INTO archiflow.templates
  (id, name, description, template_xml, variables, category, is_active, created_at, updated_at,
   created_by)
SELECT CASE o.name WHEN 'Two-tier campus' THEN 'two-tier-campus'
                   WHEN 'Small branch office' THEN 'small-branch-office'
                   WHEN 'Spine-leaf pod' THEN 'spine-leaf-pod'
                   ELSE o.id::text END,
       o.name, o.description, o.xml_content, o.variables, o.category, true, o.created_at,
       o.updated_at, o.created_by
  FROM archiflow_0150.templates o;

INSERT INTO archiflow.alerts
  (id, alert_type, severity, source, message, details, is_acknowledged, acknowledged_by,
   acknowledged_at, resolved, resolved_by, resolved_at, created_at, title, entity_type,
   entity_id, dedup_key, updated_at)
SELECT o.id, o.alert_type, o.severity, o.source, o.message, o.details, o.acknowledged,
       o.acknowledged_by, o.acknowledged_at, o.resolved, o.resolved_by, o.resolved_at,
       o.created_at, o.title, o.entity_type, o.entity_id, o.dedup_key, o.updated_at
  FROM archiflow_0150.converted_alerts o;

-- The actor's name is both user_id and user_name, as the server writes new rows: user_id cut
-- to its 100 characters as the server cuts it too (user_name keeps the whole name).
INSERT INTO archiflow.audit_log
  (id, action, entity_type, entity_id, old_value, new_value, user_id, user_name, ip_address,
   user_agent, created_at, request_id)
SELECT o.id, o.action, o.entity_type, o.entity_id, o.old_values, o.new_values,
       left(o.user_name, 100), o.user_name, archiflow_0150.as_inet(o.client_addr),
       o.user_agent, o.occurred_at, o.request_id
  FROM archiflow_0150.converted_audit_log o;

-- The old tables are dropped next by name; these views on them go first.
DROP VIEW archiflow_0150.converted_audit_log, archiflow_0150.converted_alerts;

INSERT INTO archiflow.api_tokens
  (id, key_hash, key_prefix, user_name, scope, description, allowed_networks, expires_at,
   last_used_at, created_at, revoked_at)
SELECT o.id, o.key_hash, o.key_prefix, o.user_name, o.scope, o.description, o.allowed_networks,
       o.expires_at, o.last_used_at, o.created_at, o.revoked_at
  FROM archiflow_0150.api_tokens o;

INSERT INTO archiflow.server_state (key, value, updated_at)
SELECT o.key, o.value, o.updated_at FROM archiflow_0150.server_state o;

INSERT INTO archiflow.editor_revocations (netbox_user, not_before, revoked_by, updated_at)
SELECT o.netbox_user, o.not_before, o.revoked_by, o.updated_at
  FROM archiflow_0150.editor_revocations o;

INSERT INTO archiflow.sites
  (id, netbox_id, name, slug, status, description, region, tenant, time_zone, latitude,
   longitude, netbox_updated_at, created_at, updated_at)
SELECT o.id, o.netbox_id, o.name, o.slug, o.status, o.description, o.region, o.tenant,
       o.time_zone, o.latitude, o.longitude, o.netbox_updated_at, o.created_at, o.updated_at
  FROM archiflow_0150.sites o;

INSERT INTO archiflow.vlans
  (id, netbox_id, vid, name, status, site, group_name, description, netbox_updated_at,
   created_at, updated_at)
SELECT o.id, o.netbox_id, o.vid, o.name, o.status, o.site, o.group_name, o.description,
       o.netbox_updated_at, o.created_at, o.updated_at
  FROM archiflow_0150.vlans o;

INSERT INTO archiflow.netbox_prefixes
  (netbox_id, prefix, vrf, status, role, is_pool, tags, site, vlan_vid, description, selected,
   netbox_updated_at, synced_at)
SELECT o.netbox_id, o.prefix, o.vrf, o.status, o.role, o.is_pool, o.tags, o.site, o.vlan_vid,
       o.description, o.selected, o.netbox_updated_at, o.synced_at
  FROM archiflow_0150.netbox_prefixes o;

INSERT INTO archiflow.netbox_ip_addresses
  (netbox_id, address, vrf, status, dns_name, description, interface_netbox_id,
   device_netbox_id, netbox_updated_at, synced_at)
SELECT o.netbox_id, o.address, o.vrf, o.status, o.dns_name, o.description,
       o.interface_netbox_id, o.device_netbox_id, o.netbox_updated_at, o.synced_at
  FROM archiflow_0150.netbox_ip_addresses o;

INSERT INTO archiflow.netbox_cables
  (netbox_id, status, label, a_interfaces, b_interfaces, a_types, b_types, netbox_updated_at,
   synced_at)
SELECT o.netbox_id, o.status, o.label, o.a_interfaces, o.b_interfaces, o.a_types, o.b_types,
       o.netbox_updated_at, o.synced_at
  FROM archiflow_0150.netbox_cables o;

INSERT INTO archiflow.sync_runs
  (id, mode, status, netbox_url, netbox_version, netbox_started_at, since, counts, errors,
   requests, started_at, finished_at, duration_ms)
SELECT o.id, o.mode, o.status, o.netbox_url, o.netbox_version, o.netbox_started_at, o.since,
       o.counts, o.errors, o.requests, o.started_at, o.finished_at, o.duration_ms
  FROM archiflow_0150.sync_runs o;

INSERT INTO archiflow.netbox_webhook_deliveries
  (id, delivery_key, event, model, object_id, username, outcome, received_at)
SELECT o.id, o.delivery_key, o.event, o.model, o.object_id, o.username, o.outcome, o.received_at
  FROM archiflow_0150.netbox_webhook_deliveries o;

INSERT INTO archiflow.netbox_outbox
  (id, action, dedup_key, allocation_id, payload, status, attempts, next_attempt_at, last_error,
   netbox_id, created_at, done_at)
SELECT o.id, o.action, o.dedup_key, o.allocation_id, o.payload, o.status, o.attempts,
       o.next_attempt_at, o.last_error, o.netbox_id, o.created_at, o.done_at
  FROM archiflow_0150.netbox_outbox o;

-- New rows get ids past the copied ones.
SELECT archiflow.archiflow_backup_fix_sequences();
