// Each core tool through a real WebSocket client against a real server, on the configured backend.
import assert from "node:assert/strict";
import { type TestServer, withServer } from "./support/server.ts";
import { ToolCallError } from "./support/rpc_client.ts";

const SMALL_DIAGRAM = `<mxfile><diagram id="p1" name="Core"><mxGraphModel><root>
<mxCell id="0"/><mxCell id="1" parent="0"/>
<object id="v1" label="core-sw-01" asset_id="A-1" device_type="switch" ip_address="10.0.0.5">
  <mxCell style="shape=mxgraph.cisco.switches.workgroup_switch;html=1" vertex="1" parent="1">
    <mxGeometry x="10" y="20" width="64" height="64" as="geometry"/></mxCell></object>
<object id="v2" label="edge-rtr" asset_id="A-2" device_type="router">
  <mxCell style="rounded=1" vertex="1" parent="1"><mxGeometry x="200" y="20" width="64" height="64" as="geometry"/></mxCell></object>
<object id="e1" label="" source_port="Gi1/0/1"><mxCell edge="1" parent="1" source="v1" target="v2"><mxGeometry relative="1" as="geometry"/></mxCell></object>
</root></mxGraphModel></diagram></mxfile>`;

/** Row counts of every table, to prove a failed call wrote nothing. */
async function tableCounts(s: TestServer): Promise<Record<string, number>> {
  const tables = [
    "ip_pools",
    "ip_allocations",
    "network_devices",
    "device_ports",
    "diagrams",
    "diagram_versions",
    "templates",
    "alerts",
    "audit_log",
  ];
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const [row] = await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    counts[t] = row.n;
  }
  return counts;
}

/** A diagram's stored XML as load-diagram answers it (`xml`, or the column's `diagram_xml`). */
const xmlOf = (d: Record<string, unknown>) => d.xml ?? d.diagram_xml;

async function expectToolError(p: Promise<unknown>, code: string, pattern?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ToolCallError, `expected a tool error, got ${err}`);
    assert.equal(err.code, code);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

Deno.test(
  "create-ip-pool, allocate-ip, get-ip-pools and release-ip work together",
  async () => {
    await withServer(async (s, c) => {
      const pool = await c.tool("create-ip-pool", {
        name: "mgmt",
        network: "10.20.0.0/29",
        gateway: "10.20.0.1",
        dnsServers: ["10.20.0.2"],
        vlanId: 20,
      });
      assert.equal(pool.network, "10.20.0.0/29");
      assert.equal(pool.gateway, "10.20.0.1");
      // Without an id of the caller's, the pool gets the next text id.
      assert.match(String(pool.id), /^pool-[0-9]+$/);

      const a1 = await c.tool("allocate-ip", {
        poolId: pool.id,
        assetId: "A-1",
        deviceName: "core-sw-01",
        deviceType: "switch",
      });
      assert.equal(a1.ip_address, "10.20.0.3", "skips network, gateway and DNS server");
      assert.equal(a1.asset_id, "A-1");
      assert.equal(a1.pool_id, pool.id);
      assert.equal(a1.is_active, true);
      const a2 = await c.tool("allocate-ip", { poolId: pool.id, assetId: "A-2" });
      assert.equal(a2.ip_address, "10.20.0.4");

      const { pools } = await c.tool<{ pools: Record<string, unknown>[] }>("get-ip-pools");
      assert.equal(pools.length, 1);
      const p = pools[0];
      for (
        const key of [
          "id",
          "name",
          "network",
          "gateway",
          "allocated",
          "allocated_count",
          "available",
          "available_count",
          "usage_percentage",
        ]
      ) assert.ok(key in p, `get-ip-pools has ${key}`);
      assert.deepEqual(p.allocated, ["10.20.0.3", "10.20.0.4"]);
      assert.equal(p.allocated_count, 2);
      assert.deepEqual(p.available, ["10.20.0.5", "10.20.0.6"]);
      assert.equal(p.available_count, 2);
      assert.equal(p.usage_percentage, 50);

      const released = await c.tool("release-ip", { ip: "10.20.0.3", poolId: pool.id });
      assert.equal(released.is_active, false);
      assert.ok(released.released_at);
      const again = await c.tool("allocate-ip", { poolId: pool.id, assetId: "A-3" });
      assert.equal(again.ip_address, "10.20.0.3", "a released address is free again, lowest first");
      const history = await s.db.query(
        "SELECT count(*)::int AS n FROM ip_allocations WHERE host(ip_address) = '10.20.0.3'",
      );
      assert.equal(history[0].n, 2, "the released allocation stays as history");
    });
  },
);

Deno.test("allocate-ip on a full pool is `exhausted` and writes nothing", async () => {
  await withServer(async (s, c) => {
    const pool = await c.tool("create-ip-pool", { name: "p2p", network: "192.0.2.0/31" });
    assert.equal((await c.tool("allocate-ip", { poolId: pool.id })).ip_address, "192.0.2.0");
    assert.equal((await c.tool("allocate-ip", { poolId: pool.id })).ip_address, "192.0.2.1");
    const before = await tableCounts(s);
    await expectToolError(c.tool("allocate-ip", { poolId: pool.id }), "exhausted", /exhausted/);
    assert.deepEqual(await tableCounts(s), before);
  });
});

Deno.test("IPv6 pools allocate and report exact huge counts", async () => {
  await withServer(async (_s, c) => {
    const pool = await c.tool("create-ip-pool", { name: "v6", network: "2001:db8:1::/48" });
    const a = await c.tool("allocate-ip", { poolId: pool.id });
    assert.match(String(a.ip_address), /^2001:db8:1::/);
    const { pools } = await c.tool<{ pools: Record<string, unknown>[] }>("get-ip-pools");
    assert.equal(typeof pools[0].available_count, "string");
    assert.ok(BigInt(pools[0].available_count as string) > 2n ** 79n);
    assert.equal((pools[0].available as string[]).length, 10, "a bounded sample, not the list");
  });
});

Deno.test("failing calls leave audit_log and every table unchanged", async () => {
  await withServer(async (s, c) => {
    const pool = await c.tool("create-ip-pool", { name: "lan", network: "10.1.0.0/24" });
    await c.tool("save-device", { assetId: "A-1", deviceName: "sw1" });
    const before = await tableCounts(s);
    await expectToolError(
      c.tool("create-ip-pool", { name: "lan", network: "10.2.0.0/24" }),
      "conflict",
    );
    await expectToolError(
      c.tool("create-ip-pool", { name: "bad", network: "10.2.0.1/24" }),
      "invalid",
    );
    await expectToolError(
      c.tool("create-ip-pool", { name: "gw", network: "10.3.0.0/24", gateway: "10.4.0.1" }),
      "invalid",
    );
    await expectToolError(c.tool("allocate-ip", { poolId: 999999 }), "not_found");
    await expectToolError(c.tool("allocate-ip", { poolId: "no-such-pool" }), "not_found");
    await expectToolError(c.tool("release-ip", { ip: "10.1.0.77", poolId: pool.id }), "not_found");
    await expectToolError(c.tool("release-ip", { ip: "not-an-ip", poolId: pool.id }), "invalid");
    await expectToolError(
      c.tool("save-device", { assetId: "A-2", deviceName: "x", primaryIp: "bogus" }),
      "invalid",
    );
    await expectToolError(
      c.tool("save-diagram", { name: "d", xml: "<mxfile><diagram>" }),
      "invalid",
    );
    await expectToolError(
      c.tool("save-diagram", {
        name: "bomb",
        xml: '<!DOCTYPE x [<!ENTITY a "aaaa">]><mxGraphModel><root>&a;</root></mxGraphModel>',
      }),
      "invalid",
    );
    await expectToolError(c.tool("load-diagram", { id: 4242 }), "not_found");
    await expectToolError(c.tool("load-diagram", { id: "no-such-diagram" }), "not_found");
    assert.deepEqual(await tableCounts(s), before);
  });
});

Deno.test("every successful write leaves one audit row naming what changed", async () => {
  await withServer(async (s, c) => {
    const pool = await c.tool("create-ip-pool", { name: "lan", network: "10.1.0.0/24" });
    const a = await c.tool("allocate-ip", { poolId: pool.id, assetId: "A-9" });
    await c.tool("release-ip", { ip: a.ip_address as string, poolId: pool.id });
    await c.tool("save-device", { assetId: "A-9", deviceName: "sw9" });
    await c.tool("save-device", { assetId: "A-9", deviceName: "sw9-renamed" });
    const d = await c.tool("save-diagram", { name: "core", xml: SMALL_DIAGRAM });
    const rows = await s.db.query<{ action: string; entity_type: string; entity_id: string }>(
      "SELECT action, entity_type, entity_id FROM audit_log ORDER BY id",
    );
    assert.deepEqual(rows.map((r) => `${r.action} ${r.entity_type}`), [
      "create ip_pool",
      // An allocation and its release are the pool's events, as the document words them.
      "allocate_ip ip_pool",
      "release_ip ip_pool",
      "create device",
      "update device",
      // The two device shapes of the diagram become inventory, each audited in the save's
      // transaction, before the diagram's own row.
      "create device",
      "create device",
      "create diagram",
    ]);
    assert.deepEqual(rows.slice(0, 3).map((r) => r.entity_id), [pool.id, pool.id, pool.id]);
    assert.deepEqual(rows.slice(3, 5).map((r) => r.entity_id), ["A-9", "A-9"]);
    assert.equal(rows.at(-1)!.entity_id, d.id);
    const [update] = await s.db.query<
      { old_value: { device_name: string }; new_value: { device_name: string } }
    >(
      "SELECT old_value, new_value FROM audit_log WHERE action = 'update'",
    );
    assert.equal(update.old_value.device_name, "sw9");
    assert.equal(update.new_value.device_name, "sw9-renamed");
  });
});

Deno.test("save-device creates then updates by asset id; get-devices filters", async () => {
  await withServer(async (_s, c) => {
    const created = await c.tool("save-device", {
      assetId: "A-1",
      deviceName: "core-sw-01",
      deviceType: "switch",
      vendor: "Cisco",
      model: "C9300",
    });
    assert.equal(created.vendor, "Cisco");
    assert.equal(created.asset_id, "A-1");
    assert.equal("id" in created, false, "a device is known by its asset id alone");
    const updated = await c.tool("save-device", {
      assetId: "A-1",
      deviceName: "core-sw-01b",
      model: "C9300-48P",
    });
    assert.equal(updated.asset_id, "A-1");
    assert.equal(updated.device_name, "core-sw-01b");
    assert.equal(updated.vendor, "Cisco", "fields not given are kept");
    assert.equal(updated.model, "C9300-48P");
    await c.tool("save-device", { assetId: "A-2", deviceName: "edge-rtr", deviceType: "router" });
    await c.tool("save-device", { assetId: "A_3", deviceName: "100%-fw", deviceType: "firewall" });
    const all = await c.tool<{ devices: { asset_id: string }[] }>("get-devices");
    assert.equal(all.devices.length, 3);
    const routers = await c.tool<{ devices: { asset_id: string }[] }>("get-devices", {
      deviceType: "router",
    });
    assert.deepEqual(routers.devices.map((d) => d.asset_id), ["A-2"]);
    const pct = await c.tool<{ devices: { asset_id: string }[] }>("get-devices", { q: "%" });
    assert.deepEqual(pct.devices.map((d) => d.asset_id), ["A_3"], "LIKE wildcards match literally");
    const paged = await c.tool<{ devices: unknown[] }>("get-devices", { limit: 1, offset: 1 });
    assert.equal(paged.devices.length, 1);
  });
});

Deno.test(
  "save-diagram stores XML and diagram_json; load-diagram and list-diagrams read them",
  async () => {
    await withServer(async (s, c) => {
      const saved = await c.tool("save-diagram", {
        name: "Core network",
        xml: SMALL_DIAGRAM,
        metadata: { owner: "netops" },
        tags: ["core"],
      });
      assert.equal(saved.version, 1);
      assert.match(String(saved.id), /^diagram-[0-9]+$/, "a generated id is text");
      const loaded = await c.tool("load-diagram", { id: saved.id });
      assert.equal(loaded.id, saved.id);
      assert.equal(xmlOf(loaded), SMALL_DIAGRAM, "the XML comes back exactly as given");
      const dj = loaded.diagram_json as unknown as {
        format: string;
        devices: { assetId: string; ipAddress: string | null }[];
        links: { source: { port: string | null } }[];
        stats: Record<string, number>;
      };
      assert.equal(dj.format, "archiflow.diagram/1");
      assert.deepEqual(dj.stats, { pages: 1, vertices: 2, edges: 1, devices: 2, links: 1 });
      assert.equal(dj.devices[0].ipAddress, "10.0.0.5");
      assert.equal(dj.links[0].source.port, "Gi1/0/1");

      const second = await c.tool("save-diagram", {
        id: saved.id,
        xml: SMALL_DIAGRAM.replace("core-sw-01", "core-sw-02"),
        changeSummary: "rename",
        expectedVersion: 1,
      });
      assert.equal(second.version, 2);
      await expectToolError(
        c.tool("save-diagram", { id: saved.id, xml: SMALL_DIAGRAM, expectedVersion: 1 }),
        "conflict",
        /version 2/,
      );
      const versions = await s.db.query<
        { version_number: number; change_summary: string | null; is_current: boolean }
      >(
        `SELECT version_number, change_summary, is_current FROM diagram_versions
          WHERE diagram_id = $1 ORDER BY version_number`,
        [saved.id],
      );
      assert.deepEqual(versions, [
        { version_number: 1, change_summary: null, is_current: false },
        { version_number: 2, change_summary: "rename", is_current: true },
      ]);
      // The diagrams row holds the current content itself.
      const [row] = await s.db.query<{ diagram_xml: string; version: number }>(
        "SELECT diagram_xml, version FROM diagrams WHERE id = $1",
        [saved.id],
      );
      assert.deepEqual(row, {
        diagram_xml: SMALL_DIAGRAM.replace("core-sw-01", "core-sw-02"),
        version: 2,
      });

      await c.tool("save-diagram", { name: "Branch", xml: SMALL_DIAGRAM, tags: ["branch"] });
      const list = await c.tool<{ count: number; diagrams: { name: string; xml?: string }[] }>(
        "list-diagrams",
      );
      assert.equal(list.count, 2);
      assert.ok(list.diagrams.every((d) => d.xml === undefined), "lists carry no content");
      const tagged = await c.tool<{ diagrams: { name: string }[] }>("list-diagrams", {
        tag: "core",
      });
      assert.deepEqual(tagged.diagrams.map((d) => d.name), ["Core network"]);
    });
  },
);

Deno.test(
  "50 concurrent allocate-ip calls on one pool give 50 distinct addresses",
  async () => {
    await withServer(async (s, c) => {
      const pool = await c.tool("create-ip-pool", { name: "busy", network: "10.50.0.0/24" });
      const clients = await Promise.all(Array.from({ length: 10 }, () => s.client()));
      const results = await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) =>
            clients[i % clients.length].tool<{ ip_address: string }>("allocate-ip", {
              poolId: pool.id,
              assetId: `A-${i}`,
            }),
        ),
      );
      const ips = results.map((r) => r.ip_address);
      assert.equal(new Set(ips).size, 50);
      const expected = Array.from({ length: 50 }, (_, i) => `10.50.0.${i + 1}`);
      assert.deepEqual([...ips].sort(), [...expected].sort(), "the 50 lowest addresses");
      const [dup] = await s.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT ip_address FROM ip_allocations WHERE is_active
        GROUP BY ip_address HAVING count(*) > 1) d`,
      );
      assert.equal(dup.n, 0);
    });
  },
);

Deno.test(
  "pools and diagrams take the caller's text ids; a pool id taken is a conflict",
  async () => {
    await withServer(async (s, c) => {
      const pool = await c.tool("create-ip-pool", {
        id: "Mgmt/DC 1",
        name: "mgmt",
        network: "10.7.0.0/24",
      });
      assert.equal(pool.id, "Mgmt/DC 1");
      const before = await tableCounts(s);
      await expectToolError(
        c.tool("create-ip-pool", { id: "Mgmt/DC 1", name: "other", network: "10.8.0.0/24" }),
        "conflict",
      );
      assert.deepEqual(await tableCounts(s), before);
      const a = await c.tool("allocate-ip", { poolId: "Mgmt/DC 1", assetId: "sw-ü/1" });
      assert.deepEqual([a.pool_id, a.asset_id, a.ip_address], ["Mgmt/DC 1", "sw-ü/1", "10.7.0.1"]);

      const d = await c.tool("save-diagram", { id: "Core DC/2", name: "core", xml: SMALL_DIAGRAM });
      assert.equal(d.id, "Core DC/2");
      const loaded = await c.tool("load-diagram", { id: "Core DC/2" });
      assert.equal(xmlOf(loaded), SMALL_DIAGRAM);
      // Saving under the same id again is a new version of that diagram, not a second one.
      const again = await c.tool("save-diagram", { id: "Core DC/2", xml: SMALL_DIAGRAM });
      assert.deepEqual([again.id, again.version], ["Core DC/2", 2]);
      const list = await c.tool<{ diagrams: { id: string }[] }>("list-diagrams");
      assert.deepEqual(list.diagrams.map((x) => x.id), ["Core DC/2"]);
    });
  },
);
