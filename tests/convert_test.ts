// A database made by the previous schema (schema version 150, tables in `public`) is converted
// by migrate() once, in one transaction: every row arrives in the `archiflow` tables with the new
// ids and columns, the old objects are gone, and the converted data works (allocating the next
// address of a converted pool). The old schema is built from its migrations, kept as fixtures.
import assert from "node:assert/strict";
import type { Db } from "../server/db/db.ts";
import { migrate, MigrationError, readMigrations } from "../server/db/migrate.ts";
import { EventHub } from "../server/events.ts";
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { createRegistry } from "../server/tools/index.ts";
import { callTool } from "../server/tools/tool.ts";
import { createTestDb } from "./support/db.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const OLD = new URL("./fixtures/schema_0150/", import.meta.url);

/** Builds the previous release's schema in `public`, up to `upTo`, as its migrate() did. */
async function buildOldSchema(db: Db, upTo = 150): Promise<void> {
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
const OLD_DATA = `
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

const TABLES = [
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

async function counts(db: Db, schema: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${t}`);
    out[t] = r.n;
  }
  return out;
}

Deno.test("migrate() converts a database of schema version 150 row for row", opts, async () => {
  const t = await createTestDb();
  try {
    await buildOldSchema(t.db);
    await t.db.exec(OLD_DATA);
    const before = await counts(t.db, "public");
    assert.equal(before.templates, 3, "two shipped templates and one of the user's");

    const result = await migrate(t.db);
    assert.equal(result.convertedFrom, 150);
    assert.deepEqual(result.applied, (await readMigrations()).map((m) => m.file));
    const db = t.db;

    // Every row arrived; only the shipped template the old database lacked was added.
    const after = await counts(db, "archiflow");
    assert.deepEqual(after, { ...before, templates: before.templates + 1 });

    // Nothing of the old schema is left, in public or set aside.
    const [left] = await db.query<{ tables: number; views: number; functions: number }>(
      `SELECT (SELECT count(*)::int FROM pg_class
                WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'S')) AS tables,
              (SELECT count(*)::int FROM pg_namespace WHERE nspname = 'archiflow_0150') AS views,
              (SELECT count(*)::int FROM pg_proc
                WHERE pronamespace = 'public'::regnamespace) AS functions`,
    );
    assert.deepEqual(left, { tables: 0, views: 0, functions: 0 });

    // Pools: ids as text, DNS servers as written, pool state carried over.
    const pools = await db.query(
      `SELECT id, name, dns_servers, reserved_ranges, alert_threshold::float8 AS threshold,
              is_active, created_at = '2024-01-02T03:04:05Z' AS kept_time
         FROM ip_pools ORDER BY id`,
    );
    assert.deepEqual(pools, [
      {
        id: "1",
        name: "core",
        dns_servers: ["10.1.0.2"],
        reserved_ranges: [],
        threshold: 80,
        is_active: true,
        kept_time: true,
      },
      {
        id: "2",
        name: "v6",
        dns_servers: ["2001:db8::53", "2001:db8::54"],
        reserved_ranges: ["2001:db8::10-2001:db8::1f"],
        threshold: 90,
        is_active: true,
        kept_time: true,
      },
      {
        id: "3",
        name: "old",
        dns_servers: [],
        reserved_ranges: [],
        threshold: 90,
        is_active: false,
        kept_time: true,
      },
    ]);
    const state = await db.query(
      `SELECT pool_id, active_count::int AS active, excluded_count::int AS excluded, ranges_ready
         FROM ip_pool_state ORDER BY pool_id`,
    );
    assert.deepEqual(state, [
      { pool_id: "1", active: 2, excluded: 4, ranges_ready: true },
      { pool_id: "2", active: 1, excluded: 3, ranges_ready: false },
      { pool_id: "3", active: 0, excluded: 2, ranges_ready: false },
    ]);
    const ranges = await db.query(
      "SELECT pool_id, host(first_ip) AS a, host(last_ip) AS b FROM ip_pool_free_ranges ORDER BY 2",
    );
    assert.deepEqual(ranges, [
      { pool_id: "1", a: "10.1.0.4", b: "10.1.0.4" },
      { pool_id: "1", a: "10.1.0.6", b: "10.1.0.254" },
    ]);
    const allocations = await db.query(
      `SELECT id, pool_id, host(ip_address) AS ip, asset_id, notes, hostname, is_active,
              released_by
         FROM ip_allocations ORDER BY id`,
    );
    assert.deepEqual(allocations, [
      {
        id: 1,
        pool_id: "1",
        ip: "10.1.0.3",
        asset_id: "SW-1",
        notes: "uplink",
        hostname: "sw1.example",
        is_active: true,
        released_by: null,
      },
      {
        id: 2,
        pool_id: "1",
        ip: "10.1.0.4",
        asset_id: "",
        notes: "",
        hostname: null,
        is_active: false,
        released_by: "bob",
      },
      {
        id: 3,
        pool_id: "1",
        ip: "10.1.0.5",
        asset_id: "",
        notes: "spare",
        hostname: null,
        is_active: true,
        released_by: null,
      },
      {
        id: 4,
        pool_id: "2",
        ip: "2001:db8::1",
        asset_id: "RTR-1",
        notes: "",
        hostname: null,
        is_active: true,
        released_by: null,
      },
    ]);
    assert.deepEqual(
      await db.query("SELECT pool_id, idempotency_key, allocation_ids FROM ip_allocation_keys"),
      [{ pool_id: "1", idempotency_key: "retry-1", allocation_ids: [1, 3] }],
    );

    // Devices by asset id; ports name their device and peer by asset id and port name.
    assert.deepEqual(
      await db.query(
        `SELECT asset_id, device_name, status, host(management_ip) AS mgmt, metadata, netbox_id
           FROM network_devices ORDER BY asset_id`,
      ),
      [
        {
          asset_id: "RTR-1",
          device_name: "edge-rtr",
          status: "planned",
          mgmt: null,
          metadata: {},
          netbox_id: null,
        },
        {
          asset_id: "SW-1",
          device_name: "core-sw",
          status: "active",
          mgmt: "192.0.2.10",
          metadata: { rack: "R1" },
          netbox_id: 31,
        },
      ],
    );
    assert.deepEqual(
      await db.query(
        `SELECT id, device_id, port_name, speed, status, connected_to_device AS peer_device,
                connected_to_port AS peer_port, mac_address::text AS mac, netbox_cable_id
           FROM device_ports ORDER BY id`,
      ),
      [
        {
          id: 1,
          device_id: "SW-1",
          port_name: "Gi1/0/1",
          speed: "1G",
          status: "up",
          peer_device: "RTR-1",
          peer_port: "Gi0/0/0",
          mac: "00:11:22:33:44:55",
          netbox_cable_id: 9,
        },
        {
          id: 2,
          device_id: "RTR-1",
          port_name: "Gi0/0/0",
          speed: "10G",
          status: "admin-down",
          peer_device: "SW-1",
          peer_port: "Gi1/0/1",
          mac: null,
          netbox_cable_id: 9,
        },
        {
          id: 3,
          device_id: "SW-1",
          port_name: "Gi1/0/2",
          speed: "100M",
          status: "unknown",
          peer_device: null,
          peer_port: null,
          mac: null,
          netbox_cable_id: null,
        },
        {
          id: 4,
          device_id: "RTR-1",
          port_name: "Te0/1",
          speed: "2.5G",
          status: "down",
          peer_device: null,
          peer_port: null,
          mac: null,
          netbox_cable_id: null,
        },
        {
          id: 5,
          device_id: "RTR-1",
          port_name: "mgmt",
          speed: null,
          status: "down",
          peer_device: null,
          peer_port: null,
          mac: null,
          netbox_cable_id: null,
        },
      ],
    );
    assert.deepEqual(
      await db.query(
        "SELECT source_device, source_port, target_device, target_port FROM device_connections ORDER BY 1",
      ),
      [
        {
          source_device: "RTR-1",
          source_port: "Gi0/0/0",
          target_device: "SW-1",
          target_port: "Gi1/0/1",
        },
        {
          source_device: "SW-1",
          source_port: "Gi1/0/1",
          target_device: "RTR-1",
          target_port: "Gi0/0/0",
        },
      ],
    );

    // Diagrams hold their current content again; every version names the diagram.
    assert.deepEqual(
      await db.query(
        `SELECT id, name, version, diagram_xml, diagram_json, tags, metadata, stats, created_by,
                updated_by, is_current
           FROM diagrams ORDER BY id`,
      ),
      [
        {
          id: "1",
          name: "Campus",
          version: 2,
          diagram_xml: '<mxGraphModel v="2"/>',
          diagram_json: { pages: [], v: 2 },
          tags: ["a", "b c"],
          metadata: { k: "v" },
          stats: { devices: 2 },
          created_by: "alice",
          updated_by: "bob",
          is_current: true,
        },
        {
          id: "2",
          name: "Lab",
          version: 1,
          diagram_xml: '<mxGraphModel lab="1"/>',
          diagram_json: { pages: [], lab: true },
          tags: [],
          metadata: {},
          stats: {},
          created_by: "carol",
          updated_by: "carol",
          is_current: true,
        },
      ],
    );
    assert.deepEqual(
      await db.query(
        `SELECT id, diagram_id, version_number, name, diagram_xml, diagram_json, change_summary,
                is_current, is_published
           FROM diagram_versions ORDER BY id`,
      ),
      [
        {
          id: 1,
          diagram_id: "1",
          version_number: 1,
          name: "Campus",
          diagram_xml: '<mxGraphModel v="1"/>',
          diagram_json: { pages: [], v: 1 },
          change_summary: null,
          is_current: false,
          is_published: true,
        },
        {
          id: 2,
          diagram_id: "1",
          version_number: 2,
          name: "Campus",
          diagram_xml: '<mxGraphModel v="2"/>',
          diagram_json: { pages: [], v: 2 },
          change_summary: "cabled",
          is_current: true,
          is_published: false,
        },
        {
          id: 3,
          diagram_id: "2",
          version_number: 1,
          name: "Lab",
          diagram_xml: '<mxGraphModel lab="1"/>',
          diagram_json: { pages: [], lab: true },
          change_summary: null,
          is_current: true,
          is_published: false,
        },
      ],
    );
    assert.deepEqual(
      await db.query(
        "SELECT diagram_id, port_a_id, port_b_id, page_id, edge_id FROM diagram_links",
      ),
      [{ diagram_id: "1", port_a_id: 1, port_b_id: 2, page_id: "p1", edge_id: "e1" }],
    );
    assert.deepEqual(
      await db.query("SELECT diagram_id, user_name, can_write, created_by FROM diagram_shares"),
      [{ diagram_id: "1", user_name: "bob", can_write: true, created_by: "alice" }],
    );

    // Templates: the shipped ones under their ids (the edited one kept as edited, the deleted
    // one back from the baseline), the user's under its number.
    assert.deepEqual(
      await db.query(
        `SELECT id, name, description, created_by, variables, is_active,
                template_xml IS NOT NULL AS has_xml
           FROM templates ORDER BY id`,
      ),
      [
        {
          id: "7",
          name: "Mine",
          description: "",
          created_by: "alice",
          variables: [{ name: "site", type: "string" }],
          is_active: true,
          has_xml: true,
        },
        {
          id: "small-branch-office",
          name: "Small branch office",
          description:
            "A WAN router, firewall, access switch and two access points behind one circuit.",
          created_by: "archiflow",
          variables: (await db.query<{ variables: unknown }>(
            "SELECT variables FROM templates WHERE id = 'small-branch-office'",
          ))[0].variables,
          is_active: true,
          has_xml: true,
        },
        {
          id: "spine-leaf-pod",
          name: "Spine-leaf pod",
          description: "Two spines and four leaves, every leaf cabled to every spine.",
          created_by: "archiflow",
          variables: (await db.query<{ variables: unknown }>(
            "SELECT variables FROM templates WHERE id = 'spine-leaf-pod'",
          ))[0].variables,
          is_active: true,
          has_xml: true,
        },
        {
          id: "two-tier-campus",
          name: "Two-tier campus",
          description: "edited here",
          created_by: "archiflow",
          variables: (await db.query<{ variables: unknown }>(
            "SELECT variables FROM templates WHERE id = 'two-tier-campus'",
          ))[0].variables,
          is_active: true,
          has_xml: true,
        },
      ],
    );

    assert.deepEqual(
      await db.query(
        `SELECT id, title, is_acknowledged, acknowledged_by, resolved, dedup_key
           FROM alerts ORDER BY id`,
      ),
      [
        {
          id: 1,
          title: "Pool full",
          is_acknowledged: true,
          acknowledged_by: "alice",
          resolved: false,
          dedup_key: "pool_exhausted:pool:1",
        },
        {
          id: 2,
          title: "Conflict",
          is_acknowledged: false,
          acknowledged_by: null,
          resolved: false,
          dedup_key: "conflict:1",
        },
        {
          id: 3,
          title: "Down",
          is_acknowledged: false,
          acknowledged_by: null,
          resolved: false,
          dedup_key: "device_down:SW-1",
        },
        {
          id: 4,
          title: "Down",
          is_acknowledged: false,
          acknowledged_by: null,
          resolved: false,
          dedup_key: "device_down:device:RTR-1",
        },
        {
          id: 5,
          title: "Down",
          is_acknowledged: false,
          acknowledged_by: null,
          resolved: false,
          dedup_key: "device_down:9",
        },
      ],
    );
    // Alerts about devices name them as the server does now: by asset id (a device deleted
    // since keeps its number).
    assert.deepEqual(
      await db.query("SELECT id, entity_type, entity_id FROM alerts ORDER BY id"),
      [
        { id: 1, entity_type: null, entity_id: null },
        { id: 2, entity_type: null, entity_id: null },
        { id: 3, entity_type: "device", entity_id: "SW-1" },
        { id: 4, entity_type: "device", entity_id: "RTR-1" },
        { id: 5, entity_type: "device", entity_id: "9" },
      ],
    );
    assert.deepEqual(
      await db.query(
        `SELECT id, user_id, user_name, host(ip_address) AS ip, user_agent, request_id, action,
                entity_type, entity_id, old_value, new_value,
                created_at = '2024-04-01T00:00:00Z' AS first_time
           FROM audit_log WHERE id <= 2 ORDER BY id`,
      ),
      [
        {
          id: 1,
          user_id: "alice",
          user_name: "alice",
          ip: "192.0.2.7",
          user_agent: "curl",
          request_id: "r-1",
          action: "create",
          entity_type: "ip_pool",
          entity_id: "1",
          old_value: null,
          new_value: { name: "core" },
          first_time: true,
        },
        {
          id: 2,
          user_id: "netbox:bob",
          user_name: "netbox:bob",
          ip: null,
          user_agent: null,
          request_id: null,
          action: "update",
          entity_type: "device",
          entity_id: "RTR-1",
          old_value: { status: "active" },
          new_value: { status: "planned" },
          first_time: false,
        },
      ],
    );
    // The old words become the ones the server writes: allocations on their pool, alert
    // transitions as create and update, devices by asset id, ports as 'port'.
    assert.deepEqual(
      await db.query(
        "SELECT id, action, entity_type, entity_id FROM audit_log WHERE id > 2 ORDER BY id",
      ),
      [
        { id: 3, action: "allocate_ip", entity_type: "ip_pool", entity_id: "2" },
        { id: 4, action: "release_ip", entity_type: "ip_pool", entity_id: "1" },
        { id: 5, action: "allocate_ip", entity_type: "ip_pool", entity_id: "3" },
        { id: 6, action: "create", entity_type: "alert", entity_id: "3" },
        { id: 7, action: "update", entity_type: "alert", entity_id: "3" },
        { id: 8, action: "update", entity_type: "alert", entity_id: "2" },
        { id: 9, action: "update", entity_type: "alert", entity_id: "1" },
        { id: 10, action: "update", entity_type: "ip_pool", entity_id: "3" },
        { id: 11, action: "delete", entity_type: "device", entity_id: "9" },
        { id: 12, action: "update", entity_type: "port", entity_id: "2" },
        { id: 13, action: "publish", entity_type: "diagram", entity_id: "1" },
        { id: 14, action: "push_create", entity_type: "ip_allocation", entity_id: "1" },
      ],
    );
    assert.deepEqual(
      await db.query(
        `SELECT id, user_name, scope, allowed_networks::text[] AS nets FROM api_tokens`,
      ),
      [{ id: 5, user_name: "alice", scope: "admin", nets: ["10.0.0.0/8"] }],
    );
    assert.deepEqual(
      await db.query(
        `SELECT (SELECT latitude::float8 FROM sites WHERE netbox_id = 1) AS lat,
                (SELECT vid FROM vlans WHERE id = 3) AS vid,
                (SELECT tags FROM netbox_prefixes WHERE netbox_id = 7) AS tags,
                (SELECT b_interfaces FROM netbox_cables WHERE netbox_id = 9) AS b,
                (SELECT counts FROM sync_runs WHERE id = 4) AS counts,
                (SELECT outcome FROM netbox_webhook_deliveries WHERE id = 6) AS outcome,
                (SELECT payload FROM netbox_outbox WHERE id = 2) AS payload,
                (SELECT revoked_by FROM editor_revocations) AS revoked_by,
                (SELECT value FROM server_state) AS value`,
      ),
      [{
        lat: 52.5,
        vid: 10,
        tags: ["pool"],
        b: [42],
        counts: { devices: 2 },
        outcome: "applied",
        payload: { address: "10.1.0.3/24" },
        revoked_by: "alice",
        value: true,
      }],
    );

    // New rows get ids past the copied ones; generated text ids start at their first number.
    const [ids] = await db.query<Record<string, unknown>>(
      `WITH p AS (INSERT INTO ip_pools (name, network) VALUES ('new', '10.7.0.0/24') RETURNING id),
            a AS (INSERT INTO alerts (alert_type, message) VALUES ('device_down', 'x') RETURNING id),
            l AS (INSERT INTO audit_log (action, entity_type) VALUES ('x', 'y') RETURNING id),
            k AS (INSERT INTO api_tokens (key_hash, key_prefix, user_name, scope)
                  VALUES (repeat('cd', 32), 'af_x', 'x', 'read') RETURNING id)
       SELECT (SELECT id FROM p) AS pool, (SELECT id FROM a) AS alert,
              (SELECT id FROM l) AS audit, (SELECT id FROM k) AS token`,
    );
    assert.deepEqual(ids, { pool: "pool-1", alert: 6, audit: 15, token: 6 });

    // A second run finds nothing to convert or apply.
    const again = await migrate(db);
    assert.deepEqual([again.applied, again.convertedFrom], [[], null]);
  } finally {
    await t.close();
  }
});

Deno.test(
  "a converted pool hands out its next free addresses, never a taken one",
  opts,
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db);
      await t.db.exec(OLD_DATA);
      await migrate(t.db);
      const registry = createRegistry();
      const ctx = {
        db: t.db,
        config: loadConfig({}),
        actor: {
          user: "tester",
          scope: "admin" as const,
          clientAddr: null,
          userAgent: null,
          requestId: null,
        },
        events: new EventHub(),
        log: createLogger("silent"),
      };
      const ips: string[] = [];
      for (const poolId of ["1", "1", "1", "2"]) {
        const r = await callTool(registry, "allocate-ip", { poolId, assetId: "NEW" }, ctx);
        ips.push((r as { ip_address: string }).ip_address);
      }
      // Pool 1: the released .4 first, then past the taken .5; pool 2 (ranges built now): the
      // lowest address that is neither the subnet-router anycast, taken, a DNS server nor reserved.
      assert.deepEqual(ips, ["10.1.0.4", "10.1.0.6", "10.1.0.7", "2001:db8::2"]);
      const [dup] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT pool_id, ip_address FROM ip_allocations
         WHERE is_active GROUP BY 1, 2 HAVING count(*) > 1) d`,
      );
      assert.equal(dup.n, 0);
      const state = await t.db.query(
        "SELECT pool_id, active_count::int AS n FROM ip_pool_state ORDER BY pool_id",
      );
      assert.deepEqual(state, [{ pool_id: "1", n: 5 }, { pool_id: "2", n: 2 }, {
        pool_id: "3",
        n: 0,
      }]);
    } finally {
      await t.close();
    }
  },
);

Deno.test(
  "a database older than schema version 150 is refused and left as it was",
  opts,
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db, 140);
      await t.db.query("INSERT INTO public.ip_pools (name, network) VALUES ('p', '10.0.0.0/24')");
      await assert.rejects(
        () => migrate(t.db),
        (err: Error) =>
          err instanceof MigrationError && /schema version 140/.test(err.message) &&
          /previous release \(schema version 150\)/.test(err.message),
      );
      const [r] = await t.db.query<{ pools: number; archiflow: boolean }>(
        `SELECT (SELECT count(*)::int FROM public.ip_pools) AS pools,
              to_regnamespace('archiflow') IS NOT NULL AS archiflow`,
      );
      assert.deepEqual(r, { pools: 1, archiflow: false });
    } finally {
      await t.close();
    }
  },
);

Deno.test("a conversion that fails changes nothing and names what stopped it", opts, async () => {
  const t = await createTestDb();
  try {
    await buildOldSchema(t.db);
    await t.db.exec(OLD_DATA);
    // Something built on the old tables by someone else is not dropped behind their back.
    await t.db.exec("CREATE VIEW public.pool_names AS SELECT name FROM public.ip_pools");
    await assert.rejects(
      () => migrate(t.db),
      (err: Error) =>
        err instanceof MigrationError && /schema version 150 failed/.test(err.message) &&
        /pool_names/.test(err.message),
    );
    const [r] = await t.db.query<{ pools: number; versions: number; archiflow: boolean }>(
      `SELECT (SELECT count(*)::int FROM public.ip_pools) AS pools,
              (SELECT max(version)::int FROM public.schema_migrations) AS versions,
              to_regnamespace('archiflow') IS NOT NULL AS archiflow`,
    );
    assert.deepEqual(r, { pools: 3, versions: 150, archiflow: false });
    // Without it, the conversion goes through.
    await t.db.exec("DROP VIEW public.pool_names");
    assert.equal((await migrate(t.db)).convertedFrom, 150);
  } finally {
    await t.close();
  }
});

Deno.test(
  "a device whose asset id the new schema cannot take stops the conversion",
  opts,
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db);
      await t.db.query(
        "INSERT INTO public.network_devices (asset_id, device_name) VALUES ($1, 'long')",
        ["A".repeat(150)],
      );
      await assert.rejects(
        () => migrate(t.db),
        /asset id "A{150}" cannot be converted: an asset id has at most 100 characters/,
      );
    } finally {
      await t.close();
    }
  },
);

// Every VARCHAR(n) column of the new tables that an old text column fills, with the rows (by
// old id) that hold a value longer than n here. The old columns were text; these lengths the
// old release accepted.
const LONG_VALUES: { column: string; row: string; length: number }[] = [
  { column: "ip_allocations.asset_id", row: "with id 1", length: 150 },
  { column: "ip_allocations.device_name", row: "with id 1", length: 300 },
  { column: "ip_allocations.device_type", row: "with id 1", length: 100 },
  { column: "ip_allocations.allocated_by", row: "with id 1", length: 150 },
  { column: "ip_allocations.released_by", row: "with id 1", length: 150 },
  { column: "network_devices.device_name", row: 'with asset id "SW-9"', length: 300 },
  { column: "network_devices.device_type", row: 'with asset id "SW-9"', length: 100 },
  { column: "network_devices.vendor", row: 'with asset id "SW-9"', length: 200 },
  { column: "network_devices.model", row: 'with asset id "SW-9"', length: 200 },
  { column: "network_devices.serial_number", row: 'with asset id "SW-9"', length: 300 },
  { column: "network_devices.location", row: 'with asset id "SW-9"', length: 300 },
  { column: "device_ports.port_name", row: "with id 4", length: 150 },
  { column: "device_ports.port_type", row: "with id 4", length: 100 },
  { column: "diagrams.name", row: "with id 3", length: 300 },
  { column: "diagrams.created_by", row: "with id 3", length: 150 },
  { column: "diagrams.updated_by", row: "with id 3", length: 150 },
  { column: "diagram_versions.created_by", row: "with id 5", length: 150 },
  { column: "templates.category", row: "with id 8", length: 150 },
  { column: "templates.created_by", row: "with id 8", length: 150 },
  { column: "alerts.source", row: "with id 6", length: 150 },
  { column: "alerts.acknowledged_by", row: "with id 6", length: 150 },
  { column: "alerts.resolved_by", row: "with id 6", length: 150 },
  { column: "audit_log.action", row: "with id 20", length: 150 },
  { column: "audit_log.entity_type", row: "with id 20", length: 100 },
  { column: "audit_log.entity_id", row: "with id 20", length: 150 },
  { column: "audit_log.user_name", row: "with id 20", length: 300 },
];

// The VARCHAR(n) columns not in LONG_VALUES, and why no old value can be too long for them.
const FITTING = {
  // Made from numbers, or by the new schema.
  numbers: [
    "ip_pools.id",
    "ip_allocations.pool_id",
    "ip_pool_state.pool_id",
    "ip_pool_free_ranges.pool_id",
    "ip_allocation_keys.pool_id",
    "diagrams.id",
    "diagram_versions.diagram_id",
    "diagram_shares.diagram_id",
    "diagram_links.diagram_id",
    "templates.id",
    "device_ports.speed",
  ],
  // Not in the old tables: left empty.
  new: ["ip_pools.created_by", "network_devices.rack_position", "network_devices.created_by"],
  // The old schema held these to a list of short words, or to as many characters.
  oldChecks: [
    "ip_pools.name",
    "ip_pools.pool_type",
    "network_devices.status",
    "device_ports.status",
    "templates.name",
    "alerts.alert_type",
    "alerts.severity",
  ],
  // Asset ids (checked by themselves), a port's peer (a port name), a version's name (its
  // diagram's), and the actor's name cut to 100 characters as the server cuts it.
  derived: [
    "network_devices.asset_id",
    "device_ports.device_id",
    "device_ports.connected_to_device",
    "device_ports.connected_to_port",
    "diagram_versions.name",
    "audit_log.user_id",
  ],
};

Deno.test(
  "a value too long for its new column stops the conversion, naming it; none is cut short",
  opts,
  async () => {
    const t = await createTestDb();
    try {
      await buildOldSchema(t.db);
      await t.db.exec(OLD_DATA);
      const x = (n: number) => `'${"x".repeat(n)}'`;
      const long = (column: string) => x(LONG_VALUES.find((v) => v.column === column)!.length);
      await t.db.exec(`
        UPDATE public.ip_allocations
           SET asset_id = ${long("ip_allocations.asset_id")},
               device_name = ${long("ip_allocations.device_name")},
               device_type = ${long("ip_allocations.device_type")},
               allocated_by = ${long("ip_allocations.allocated_by")},
               released_by = ${long("ip_allocations.released_by")}
         WHERE id = 1;
        INSERT INTO public.network_devices (id, asset_id, device_name, device_type, vendor, model,
                                            serial_number, location)
        VALUES (9, 'SW-9', ${long("network_devices.device_name")},
                ${long("network_devices.device_type")}, ${long("network_devices.vendor")},
                ${long("network_devices.model")}, ${long("network_devices.serial_number")},
                ${long("network_devices.location")});
        UPDATE public.device_ports
           SET port_name = ${long("device_ports.port_name")},
               port_type = ${long("device_ports.port_type")}
         WHERE id = 4;
        INSERT INTO public.diagrams (id, name, created_by, updated_by)
        VALUES (3, ${long("diagrams.name")}, ${long("diagrams.created_by")},
                ${long("diagrams.updated_by")});
        INSERT INTO public.diagram_versions (id, diagram_id, version, xml_content, diagram_json,
                                             created_by)
        VALUES (5, 3, 1, '<mxGraphModel/>', '{"pages": []}',
                ${long("diagram_versions.created_by")});
        INSERT INTO public.templates (id, name, xml_content, category, created_by)
        VALUES (8, 'Long', '<mxGraphModel/>', ${long("templates.category")},
                ${long("templates.created_by")});
        INSERT INTO public.alerts (id, alert_type, title, message, source, acknowledged,
                                   acknowledged_by, acknowledged_at, resolved, resolved_by,
                                   resolved_at)
        VALUES (6, 'device_down', 't', 'm', ${long("alerts.source")}, true,
                ${long("alerts.acknowledged_by")}, now(), true, ${long("alerts.resolved_by")},
                now());
        INSERT INTO public.audit_log (id, user_name, action, entity_type, entity_id)
        VALUES (20, ${long("audit_log.user_name")}, ${long("audit_log.action")},
                ${long("audit_log.entity_type")}, ${long("audit_log.entity_id")});
      `);

      // Each conversion names one value; shortened with the old release, the next one shows.
      const named: string[] = [];
      for (;;) {
        const err = await migrate(t.db).then(() => null, (e) => e);
        if (err === null) break;
        assert.ok(err instanceof MigrationError, String(err));
        const m = err.message.match(
          /The row (.+) of (\w+) cannot be converted: its (\w+) has (\d+) characters, and the new column (\w+\.\w+) takes at most (\d+)\. Shorten it with the previous release, then upgrade\./,
        );
        assert.ok(m, err.message);
        const [, row, table, column, length, qualified, limit] = m;
        const value = LONG_VALUES.find((v) => v.column === `${table}.${column}`);
        assert.ok(value, `unexpected: ${err.message}`);
        assert.deepEqual([row, Number(length), qualified], [value.row, value.length, value.column]);
        assert.ok(!named.includes(value.column), `named twice: ${value.column}`);
        named.push(value.column);
        await t.db.exec(
          `UPDATE public.${table} SET ${column} = left(${column}, ${Number(limit)})
            WHERE length(${column}) > ${Number(limit)}`,
        );
      }
      assert.deepEqual(named.toSorted(), LONG_VALUES.map((v) => v.column).toSorted());

      // Shortened here, and kept whole otherwise: a diagram name of 255 characters arrives whole.
      const [row] = await t.db.query<{ name: number; version: number; vendor: number }>(
        `SELECT (SELECT length(name) FROM diagrams WHERE id = '3') AS name,
                (SELECT length(name) FROM diagram_versions WHERE id = 5) AS version,
                (SELECT length(vendor) FROM network_devices WHERE asset_id = 'SW-9') AS vendor`,
      );
      assert.deepEqual(row, { name: 255, version: 255, vendor: 100 });

      // Every VARCHAR(n) column of the new tables is either checked above or cannot overflow.
      const varchar = await t.db.query<{ c: string }>(
        `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
          WHERE table_schema = 'archiflow' AND data_type = 'character varying'
            AND table_name IN (SELECT table_name FROM information_schema.tables
                                WHERE table_schema = 'archiflow' AND table_type = 'BASE TABLE')
          ORDER BY 1`,
      );
      assert.deepEqual(
        varchar.map((r) => r.c),
        [...LONG_VALUES.map((v) => v.column), ...Object.values(FITTING).flat()].toSorted(),
      );
    } finally {
      await t.close();
    }
  },
);

Deno.test("a diagram name longer than 255 characters is refused, not cut", opts, async () => {
  const t = await createTestDb();
  try {
    await buildOldSchema(t.db);
    await t.db.query("INSERT INTO public.diagrams (id, name) VALUES (4, $1)", ["D".repeat(300)]);
    await assert.rejects(
      () => migrate(t.db),
      /The row with id 4 of diagrams cannot be converted: its name has 300 characters, and the new column diagrams.name takes at most 255/,
    );
  } finally {
    await t.close();
  }
});
