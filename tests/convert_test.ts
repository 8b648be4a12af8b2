// A database made by the previous schema (schema version 150, tables in `public`) is converted
// by migrate() once, in one transaction: every row arrives in the `archiflow` tables with the new
// ids and columns, the old objects are gone, and the converted data works (allocating the next
// address of a converted pool). The old database is built by tests/support/convert.ts; what the
// conversion refuses is in convert_refusals_test.ts. Over 400 lines for one reason: the
// conversion is one transaction over every table, checked here table by table in one test.
import assert from "node:assert/strict";
import { migrate, readMigrations } from "../server/db/migrate.ts";
import { EventHub } from "../server/events.ts";
import { loadConfig } from "../server/config.ts";
import { createLogger } from "../server/log.ts";
import { createRegistry } from "../server/tools/index.ts";
import { callTool } from "../server/tools/tool.ts";
import { createTestDb } from "./support/db.ts";
import { buildOldSchema, counts, OLD_DATA } from "./support/convert.ts";
import { slowFile } from "./support/timeouts.ts";

// Each test builds the previous release's schema from its migrations, then converts it: the
// slow limit.
slowFile();

Deno.test("migrate() converts a database of schema version 150 row for row", async () => {
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
