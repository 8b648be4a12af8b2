// The previous release's database for the conversion tests (tests/convert*_test.ts): its schema
// (schema version 150, tables in `public`) built from its migrations kept as fixtures, rows as it
// wrote them, and row counts per table.
import type { Db } from "../../server/db/db.ts";
import { readMigrations } from "../../server/db/migrate.ts";

const OLD = new URL("../fixtures/schema_0150/", import.meta.url);

/** Builds the previous release's schema in `public`, up to `upTo`, as its migrate() did. */
export async function buildOldSchema(db: Db, upTo = 150): Promise<void> {
  await db.exec(`CREATE TABLE public.schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const m of await readMigrations(new URL("migrations/", OLD))) {
    if (m.version > upTo) continue;
    await db.exec(m.text);
    await db.query(
      "INSERT INTO public.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
      [m.version, m.name, m.checksum],
    );
  }
  for (const e of Deno.readDirSync(new URL("views/", OLD))) {
    await db.exec(await Deno.readTextFile(new URL(`views/${e.name}`, OLD)));
  }
}

// Rows as the previous release wrote them. Pool 1's free ranges are current (10.1.0.4 was
// released, 10.1.0.3 and .5 are taken); pool 2's are not built yet.
export const OLD_DATA = `
INSERT INTO public.ip_pools (id, name, network, gateway, dns_servers, description, site, vlan_id,
                             reserved_ranges, alert_threshold, created_at)
VALUES (1, 'core', '10.1.0.0/24', '10.1.0.1', '{10.1.0.2}', 'core net', 'hq', 10, '{}', 80,
        '2024-01-02T03:04:05Z'),
       (2, 'v6', '2001:db8::/48', NULL, '{2001:db8::53,2001:db8::54}', '', NULL, NULL,
        '{2001:db8::10-2001:db8::1f}', 90, '2024-01-02T03:04:05Z'),
       (3, 'old', '192.0.2.0/28', NULL, '{}', '', NULL, NULL, '{}', 90, '2024-01-02T03:04:05Z');
UPDATE public.ip_pools SET is_active = false WHERE id = 3;
INSERT INTO public.ip_allocations (id, pool_id, ip_address, asset_id, device_name, description,
                                   hostname, allocated_by, is_active, released_at, released_by)
VALUES (1, 1, '10.1.0.3', 'SW-1', 'core-sw', 'uplink', 'sw1.example', 'alice', true, NULL, NULL),
       (2, 1, '10.1.0.4', NULL, NULL, '', NULL, 'alice', false, '2024-02-01T00:00:00Z', 'bob'),
       (3, 1, '10.1.0.5', NULL, NULL, 'spare', NULL, 'alice', true, NULL, NULL),
       (4, 2, '2001:db8::1', 'RTR-1', NULL, '', NULL, 'alice', true, NULL, NULL);
UPDATE public.ip_pool_state SET ranges_ready = true WHERE pool_id = 1;
INSERT INTO public.ip_pool_free_ranges (pool_id, first_ip, last_ip)
VALUES (1, '10.1.0.4', '10.1.0.4'), (1, '10.1.0.6', '10.1.0.254');
INSERT INTO public.ip_allocation_keys (pool_id, idempotency_key, allocation_ids)
VALUES (1, 'retry-1', '{1,3}');

INSERT INTO public.network_devices (id, asset_id, device_name, device_type, status, site,
                                    management_ip, metadata, netbox_id)
VALUES (1, 'SW-1', 'core-sw', 'switch', 'active', 'hq', '192.0.2.10', '{"rack": "R1"}', 31),
       (2, 'RTR-1', 'edge-rtr', 'router', 'planned', NULL, NULL, '{}', NULL);
INSERT INTO public.device_ports (id, device_id, port_name, speed_mbps, status, mac_address,
                                 description, netbox_id, netbox_cable_id)
VALUES (1, 1, 'Gi1/0/1', 1000, 'up', '00:11:22:33:44:55', 'to edge', 41, 9),
       (2, 2, 'Gi0/0/0', 10000, 'disabled', NULL, '', NULL, 9),
       (3, 1, 'Gi1/0/2', 100, 'unknown', NULL, '', NULL, NULL),
       (4, 2, 'Te0/1', 2500, 'down', NULL, '', NULL, NULL),
       (5, 2, 'mgmt', NULL, 'down', NULL, '', NULL, NULL);
UPDATE public.device_ports SET connected_port_id = CASE id WHEN 1 THEN 2 ELSE 1 END
 WHERE id IN (1, 2);

INSERT INTO public.diagrams (id, name, description, version, tags, metadata, site, created_by,
                             updated_by, stats)
VALUES (1, 'Campus', 'two versions', 2, '{a,"b c"}', '{"k": "v"}', 'hq', 'alice', 'bob',
        '{"devices": 2}'),
       (2, 'Lab', '', 1, '{}', '{}', NULL, 'carol', 'carol', '{}');
INSERT INTO public.diagram_versions (id, diagram_id, version, xml_content, diagram_json,
                                     change_summary, created_by, is_published)
VALUES (1, 1, 1, '<mxGraphModel v="1"/>', '{"pages": [], "v": 1}', NULL, 'alice', true),
       (2, 1, 2, '<mxGraphModel v="2"/>', '{"pages": [], "v": 2}', 'cabled', 'bob', false),
       (3, 2, 1, '<mxGraphModel lab="1"/>', '{"pages": [], "lab": true}', NULL, 'carol', false);
INSERT INTO public.diagram_links (diagram_id, port_a_id, port_b_id, page_id, edge_id)
VALUES (1, 1, 2, 'p1', 'e1');
INSERT INTO public.diagram_shares (diagram_id, user_name, can_write, created_by)
VALUES (1, 'bob', true, 'alice');

-- The shipped templates came with migration 0021 (ids 1-3); one was edited, one deleted.
UPDATE public.templates SET description = 'edited here' WHERE name = 'Two-tier campus';
DELETE FROM public.templates WHERE name = 'Spine-leaf pod';
INSERT INTO public.templates (id, name, xml_content, variables, created_by)
VALUES (7, 'Mine', '<mxGraphModel/>', '[{"name": "site", "type": "string"}]', 'alice');

INSERT INTO public.alerts (id, alert_type, severity, title, message, dedup_key, details,
                           acknowledged, acknowledged_by, acknowledged_at)
VALUES (1, 'pool_exhausted', 'critical', 'Pool full', 'm', 'pool_exhausted:pool:1', '{"a": 1}',
        true, 'alice', '2024-03-01T00:00:00Z'),
       (2, 'ip_conflict', 'warning', 'Conflict', '', 'conflict:1', '{}', false, NULL, NULL);
-- The prober named a device by its number; the port and status checks by its asset id.
INSERT INTO public.alerts (id, alert_type, severity, title, message, source, entity_type,
                           entity_id, dedup_key)
VALUES (3, 'device_down', 'critical', 'Down', 'm', 'prober', 'network_device', '1',
        'device_down:1'),
       (4, 'device_down', 'critical', 'Down', 'm', 'system', 'network_device', 'RTR-1',
        'device_down:device:RTR-1'),
       (5, 'device_down', 'critical', 'Down', 'm', 'prober', 'network_device', '9',
        'device_down:9');

INSERT INTO public.audit_log (id, occurred_at, user_name, client_addr, user_agent, request_id,
                              action, entity_type, entity_id, old_values, new_values)
VALUES (1, '2024-04-01T00:00:00Z', 'alice', '192.0.2.7', 'curl', 'r-1', 'create', 'ip_pool',
        '1', NULL, '{"name": "core"}'),
       (2, '2024-04-02T00:00:00Z', 'netbox:bob', 'local socket', NULL, NULL, 'update',
        'network_device', '2', '{"status": "active"}', '{"status": "planned"}');
-- The old words, as the old server wrote them; device 9 was deleted.
INSERT INTO public.audit_log (id, user_name, action, entity_type, entity_id, new_values)
VALUES (3, 'alice', 'allocate', 'ip_allocation', '4', '{"id": 4, "pool_id": 2}'),
       (4, 'bob', 'release', 'ip_allocation', '2', '{"id": 2, "pool_id": 1}'),
       (5, 'netbox:sync', 'allocate', 'ip_allocation', '77', '[{"id": 77, "pool_id": 3}]'),
       (6, 'system:prober', 'raise', 'alert', '3', NULL),
       (7, 'system:prober', 'resolve', 'alert', '3', NULL),
       (8, 'system', 'auto-resolve', 'alert', '2', NULL),
       (9, 'alice', 'acknowledge', 'alert', '1', NULL),
       (10, 'netbox:sync', 'deactivate', 'ip_pool', '3', NULL),
       (11, 'alice', 'delete', 'network_device', '9', NULL),
       (12, 'alice', 'update', 'device_port', '2', NULL),
       (13, 'alice', 'publish', 'diagram', '1', NULL),
       (14, 'netbox:push', 'push_create', 'ip_allocation', '1', NULL);

INSERT INTO public.api_tokens (id, key_hash, key_prefix, user_name, scope, allowed_networks)
VALUES (5, repeat('ab', 32), 'af_abc', 'alice', 'admin', '{10.0.0.0/8}');
INSERT INTO public.server_state (key, value) VALUES ('first_admin_key_printed', 'true');
INSERT INTO public.editor_revocations (netbox_user, not_before, revoked_by)
VALUES ('mallory', '2024-05-01T00:00:00Z', 'alice');
INSERT INTO public.sites (id, netbox_id, name, slug, latitude) VALUES (2, 1, 'HQ', 'hq', 52.5);
INSERT INTO public.vlans (id, netbox_id, vid, name, site) VALUES (3, 5, 10, 'users', 'hq');
INSERT INTO public.netbox_prefixes (netbox_id, prefix, status, tags, selected)
VALUES (7, '10.9.0.0/24', 'active', '{pool}', true);
INSERT INTO public.netbox_ip_addresses (netbox_id, address, status, dns_name)
VALUES (8, '10.9.0.5/24', 'active', 'x.example');
INSERT INTO public.netbox_cables (netbox_id, status, a_interfaces, b_interfaces)
VALUES (9, 'connected', '{41}', '{42}');
INSERT INTO public.sync_runs (id, mode, status, netbox_url, counts, finished_at)
VALUES (4, 'full', 'succeeded', 'http://netbox.example', '{"devices": 2}', now());
INSERT INTO public.netbox_webhook_deliveries (id, delivery_key, event, model, object_id, outcome)
VALUES (6, 'k1', 'updated', 'dcim.device', 3, 'applied');
INSERT INTO public.netbox_outbox (id, action, dedup_key, allocation_id, payload)
VALUES (2, 'create_ip', 'create:1', 1, '{"address": "10.1.0.3/24"}');
`;

export const TABLES = [
  "alerts",
  "api_tokens",
  "audit_log",
  "device_ports",
  "diagram_links",
  "diagram_shares",
  "diagram_versions",
  "diagrams",
  "editor_revocations",
  "ip_allocation_keys",
  "ip_allocations",
  "ip_pool_free_ranges",
  "ip_pool_state",
  "ip_pools",
  "netbox_cables",
  "netbox_ip_addresses",
  "netbox_outbox",
  "netbox_prefixes",
  "netbox_webhook_deliveries",
  "network_devices",
  "server_state",
  "sites",
  "sync_runs",
  "templates",
  "vlans",
];

export async function counts(db: Db, schema: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${t}`);
    out[t] = r.n;
  }
  return out;
}
