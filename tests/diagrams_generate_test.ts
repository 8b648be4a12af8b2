// generate-diagram on the NetBox 4.2 demo data synced into ArchiFlow (through the NetBox double):
// a site's diagram holds exactly the site's devices as bound shapes and exactly the cables between
// them as edges with their ports, laid out without overlaps; groups by rack are containers,
// several sites get a page each, neighbours one cable away come along, and a scope over the
// device limit is refused before anything is drawn.
// Over 400 lines on purpose: one synced NetBox demo database serves every step, and the checks
// (bounds, ports, pages, containers) are shared by them.
import assert from "node:assert/strict";
import { deviceName } from "../server/diagrams/inventory.ts";
import { deviceCellId, GENERATED_ATTR, linkKey } from "../server/diagrams/inventory_graph.ts";
import { layoutGraph, stopLayoutWorker } from "../server/diagrams/layout.ts";
import type { DiagramJson, Page } from "../server/diagrams/model.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import type { RpcClient } from "./support/rpc_client.ts";
import { startTestServer, type TestServer } from "./support/server.ts";
import { absoluteBounds } from "./support/diagrams.ts";
import { slow } from "./support/timeouts.ts";

const skip = await netboxDemoMissing("generate-diagram on the NetBox demo data");
const TOKEN = "nbt_abcdef.0123456789";
/** Below the demo's 72 devices, above any one of its sites. */
const MAX_DEVICES = 40;

interface DeviceRow {
  asset_id: string;
  device_name: string;
  device_type: string;
  ip: string | null;
  netbox_id: number | null;
  site: string | null;
  rack: string | null;
}

const DEVICES_SQL = `SELECT asset_id, device_name, device_type, host(primary_ip) AS ip, netbox_id,
                            site, metadata -> 'netbox' ->> 'rack' AS rack
                       FROM network_devices`;

/** The inventory as the test reads it itself, straight from the tables. */
class Inventory {
  constructor(readonly server: TestServer) {}

  devices(where: string, params: unknown[] = []): Promise<DeviceRow[]> {
    return this.server.testDb.db.query<DeviceRow>(`${DEVICES_SQL} WHERE ${where}`, params);
  }

  /** Cable keys (linkKey) between the given devices, from both ends of each port pair. */
  async cables(assetIds: string[]): Promise<Set<string>> {
    const rows = await this.server.testDb.db.query<
      { a: string; ap: string; b: string; bp: string }
    >(
      `SELECT device_id AS a, port_name AS ap, connected_to_device AS b, connected_to_port AS bp
         FROM device_ports
        WHERE device_id = ANY ($1::text[]) AND connected_to_device = ANY ($1::text[])`,
      [assetIds],
    );
    return new Set(rows.map((r) => linkKey(r.a, r.ap, r.b, r.bp)));
  }
}

type Generated = Record<string, unknown> & {
  id: string;
  version: number;
  generated: { devices: number; links: number; pages: number; scope: Record<string, unknown> };
  inventory: Record<string, number>;
};

async function load(client: RpcClient, id: string): Promise<DiagramJson> {
  const d = await client.tool<{ diagram_json: DiagramJson }>("load-diagram", { id });
  return d.diagram_json;
}

/** Device shapes on the page that overlap, as "a / b" pairs. */
function overlaps(page: Page): string[] {
  const bounds = absoluteBounds(page);
  const shapes = page.vertices.filter((v) => v.attributes.asset_id !== undefined);
  const found: string[] = [];
  for (let i = 0; i < shapes.length; i++) {
    for (let j = i + 1; j < shapes.length; j++) {
      const a = bounds.get(shapes[i].id)!;
      const b = bounds.get(shapes[j].id)!;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) {
        found.push(`${shapes[i].id} / ${shapes[j].id}`);
      }
    }
  }
  return found;
}

/** Every edge joins two device shapes of its page. */
function assertEdgesAttached(page: Page): void {
  const shapes = new Set(page.vertices.filter((v) => v.attributes.asset_id).map((v) => v.id));
  for (const e of page.edges) {
    assert.ok(e.source !== null && shapes.has(e.source), `edge ${e.id} has no source shape`);
    assert.ok(e.target !== null && shapes.has(e.target), `edge ${e.id} has no target shape`);
  }
}

/** The diagram's shapes agree with the inventory's rows, attribute by attribute. */
function assertShapesMatch(dj: DiagramJson, rows: DeviceRow[]): void {
  const shapes = new Map(
    dj.pages.flatMap((p) => p.vertices).filter((v) => v.attributes.asset_id).map((
      v,
    ) => [v.attributes.asset_id, v]),
  );
  assert.deepEqual(
    [...shapes.keys()].sort(),
    rows.map((r) => r.asset_id).sort(),
    "one bound shape per device in scope, and no other",
  );
  for (const r of rows) {
    const v = shapes.get(r.asset_id)!;
    assert.equal(v.id, deviceCellId(r.asset_id));
    assert.equal(deviceName(v.label), r.device_name, `label of ${r.asset_id}`);
    assert.equal(v.attributes.device_type, r.device_type, `device_type of ${r.asset_id}`);
    assert.equal(v.attributes.ip_address ?? null, r.ip, `ip_address of ${r.asset_id}`);
    assert.equal(v.attributes.netbox_id ?? null, r.netbox_id === null ? null : String(r.netbox_id));
    assert.equal(v.attributes.site ?? null, r.site, `site of ${r.asset_id}`);
    assert.equal(v.attributes[GENERATED_ATTR], "device");
    if (r.ip) assert.ok(v.label.includes(r.ip), `the label of ${r.asset_id} shows its IP`);
  }
  // diagram_json's own device list says the same.
  const listed = new Map(dj.devices.map((d) => [d.assetId, d]));
  for (const r of rows) {
    const d = listed.get(r.asset_id);
    assert.ok(d, `diagram_json.devices lists ${r.asset_id}`);
    assert.equal(d.deviceType, r.device_type);
    assert.equal(d.ipAddress, r.ip);
    assert.equal(d.netboxId, r.netbox_id);
  }
  assert.equal(dj.stats.devices, rows.length);
}

/** The set of cables the diagram draws, by link key. */
function drawnCables(dj: DiagramJson): Set<string> {
  return new Set(
    dj.links.map((l) =>
      linkKey(l.source.assetId, l.source.port!, l.target.assetId, l.target.port!)
    ),
  );
}

Deno.test(
  "generate-diagram draws NetBox demo sites from the inventory, bound, connected and laid out",
  { ignore: skip },
  slow(async (t) => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN, version: "4.2.0" });
    const server = await startTestServer({
      NETBOX_URL: double.url,
      NETBOX_TOKEN: TOKEN,
      ARCHIFLOW_GENERATE_MAX_DEVICES: String(MAX_DEVICES),
    });
    try {
      const client = await server.client();
      await client.tool("sync-netbox", {});
      const inv = new Inventory(server);
      const db = server.testDb.db;

      // The site with the most cables between its own devices.
      const [best] = await db.query<{ site: string; slug: string; cables: number }>(
        `SELECT s.name AS site, s.slug, count(*)::int / 2 AS cables
           FROM device_ports p
           JOIN network_devices a ON a.asset_id = p.device_id
           JOIN network_devices b ON b.asset_id = p.connected_to_device
           JOIN sites s ON s.name = a.site
          WHERE a.site = b.site
          GROUP BY s.name, s.slug
          ORDER BY 3 DESC, 1
          LIMIT 1`,
      );
      assert.ok(best && best.cables >= 2, "the demo data has a site with cables");

      await t.step(
        "a site's diagram: its devices as bound shapes, its cables as edges",
        async () => {
          // The demo devices have no primary IPs: all but one get one here, the last a
          // management address only (which is not its primary IP, and must not become it).
          await db.query(
            `UPDATE network_devices d
              SET primary_ip = CASE WHEN n.k > 1 THEN ('10.99.0.' || n.k)::inet END,
                  management_ip = CASE WHEN n.k = 1 THEN '192.0.2.1'::inet END
             FROM (SELECT asset_id, row_number() OVER (ORDER BY asset_id) AS k
                     FROM network_devices WHERE site = $1) AS n
            WHERE d.asset_id = n.asset_id`,
            [best.site],
          );
          const before = await db.query(`SELECT * FROM network_devices ORDER BY asset_id`);
          const made = await client.tool<Generated>("generate-diagram", {
            name: `Site ${best.site}`,
            site: best.slug,
          });
          assert.equal(made.version, 1);
          assert.equal(made.site, best.site);
          const rows = await inv.devices("site = $1", [best.site]);
          const cables = await inv.cables(rows.map((r) => r.asset_id));
          assert.equal(cables.size, best.cables);
          assert.deepEqual(made.generated, {
            devices: rows.length,
            links: cables.size,
            pages: 1,
            scope: { site: best.slug },
          });
          const dj = await load(client, made.id);
          assert.equal(dj.pages.length, 1);
          assertShapesMatch(dj, rows);
          const [page] = dj.pages;
          assertEdgesAttached(page);
          assert.deepEqual([...drawnCables(dj)].sort(), [...cables].sort(), "one edge per cable");
          assert.equal(page.edges.length, cables.size, "no edge besides the cables");
          for (const e of page.edges) {
            assert.equal(e.attributes[GENERATED_ATTR], "link");
            assert.equal(e.style.edgeStyle, "orthogonalEdgeStyle");
            for (const k of ["exitX", "exitY", "entryX", "entryY"]) {
              const f = Number(e.style[k]);
              assert.ok(f >= 0 && f <= 1, `edge ${e.id} ${k}=${e.style[k]} lies on its shape`);
            }
          }
          assert.deepEqual(overlaps(page), [], "no two device shapes overlap");
          // Drawing the inventory changes nothing in it.
          assert.equal(made.inventory.devices_created, 0);
          assert.equal(made.inventory.devices_updated, 0);
          assert.deepEqual(
            await db.query(`SELECT * FROM network_devices ORDER BY asset_id`),
            before,
          );
          // Saved like any diagram: a version with its summary, the scope in metadata, an audit row.
          const [row] = await db.query<{ metadata: Record<string, unknown>; audited: number }>(
            `SELECT metadata, (SELECT count(*)::int FROM audit_log
                               WHERE entity_type = 'diagram' AND entity_id = d.id
                                 AND action = 'create') AS audited
             FROM diagrams d WHERE id = $1`,
            [made.id],
          );
          const generated = row.metadata.generated as { scope: unknown; at: string };
          assert.deepEqual(generated.scope, { site: best.slug });
          assert.ok(!Number.isNaN(Date.parse(generated.at)));
          assert.equal(row.audited, 1);
          const versions = await client.tool<{ count: number }>("list-diagram-versions", {
            id: made.id,
          });
          assert.equal(versions.count, 1);
          // The site's name selects the same devices as its slug.
          const byName = await client.tool<Generated>("generate-diagram", {
            name: "by name",
            site: best.site,
          });
          assert.equal(byName.generated.devices, rows.length);
        },
      );

      await t.step("groupBy rack puts each rack's devices in a container of its own", async () => {
        const [racked] = await db.query<{ site: string }>(
          `SELECT site FROM network_devices WHERE metadata -> 'netbox' ->> 'rack' IS NOT NULL
            GROUP BY site ORDER BY count(DISTINCT metadata -> 'netbox' ->> 'rack') DESC, 1
            LIMIT 1`,
        );
        assert.ok(racked, "the demo data has devices in racks");
        // Cables inside one rack and between two racks, so edges run within and across boxes.
        const ends = await db.query<{ asset_id: string }>(
          `SELECT DISTINCT ON (metadata -> 'netbox' ->> 'rack') asset_id FROM network_devices
            WHERE site = $1 AND metadata -> 'netbox' ->> 'rack' IS NOT NULL
            ORDER BY metadata -> 'netbox' ->> 'rack', asset_id LIMIT 2`,
          [racked.site],
        );
        const [same] = await db.query<{ a: string; b: string }>(
          `SELECT min(asset_id) AS a, max(asset_id) AS b FROM network_devices
            WHERE site = $1 AND metadata -> 'netbox' ->> 'rack' IS NOT NULL
            GROUP BY metadata -> 'netbox' ->> 'rack' HAVING count(*) >= 2 ORDER BY 1 LIMIT 1`,
          [racked.site],
        );
        assert.ok(ends.length === 2 && same, "the site has two racks, one with two devices");
        await db.transaction(async (tx) => {
          for (const [a, b] of [[ends[0].asset_id, ends[1].asset_id], [same.a, same.b]]) {
            await tx.query(
              `INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port)
               VALUES ($1, $3, $2, $4), ($2, $4, $1, $3)`,
              [a, b, `to-${b}`, `to-${a}`],
            );
          }
        });
        const made = await client.tool<Generated>("generate-diagram", {
          name: "racks",
          site: racked.site,
          groupBy: "rack",
        });
        const rows = await inv.devices("site = $1", [racked.site]);
        const dj = await load(client, made.id);
        assertShapesMatch(dj, rows);
        const [page] = dj.pages;
        const containers = page.vertices.filter((v) => v.attributes[GENERATED_ATTR] === "group");
        const racks = new Set(rows.filter((r) => r.rack).map((r) => r.rack));
        assert.ok(racks.size >= 1);
        assert.deepEqual(containers.map((c) => c.label).sort(), [...racks].sort());
        const bounds = absoluteBounds(page);
        const byLabel = new Map(containers.map((c) => [c.label, c]));
        for (const r of rows) {
          const shape = page.vertices.find((v) => v.id === deviceCellId(r.asset_id))!;
          if (!r.rack) {
            assert.equal(shape.parent, "1", `${r.asset_id} has no rack: on the page itself`);
            continue;
          }
          const box = byLabel.get(r.rack)!;
          assert.equal(shape.parent, box.id, `${r.asset_id} sits in rack ${r.rack}`);
          assert.equal(box.style.container, "1");
          const a = bounds.get(shape.id)!;
          const b = bounds.get(box.id)!;
          assert.ok(
            a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h,
            `${r.asset_id} lies inside its rack's box`,
          );
        }
        assert.deepEqual(overlaps(page), [], "no two device shapes overlap");
        assertEdgesAttached(page);
        const cables = await inv.cables(rows.map((r) => r.asset_id));
        assert.ok(cables.size >= 2);
        assert.deepEqual([...drawnCables(dj)].sort(), [...cables].sort());
      });

      await t.step("devices at several sites get a page per site", async () => {
        const sites = await db.query<{ site: string }>(
          `SELECT site FROM network_devices WHERE site IS NOT NULL
            GROUP BY site ORDER BY count(*) DESC, site LIMIT 2`,
        );
        assert.equal(sites.length, 2);
        const rows = await inv.devices("site = ANY ($1::text[])", [sites.map((s) => s.site)]);
        assert.ok(rows.length <= MAX_DEVICES);
        const made = await client.tool<Generated>("generate-diagram", {
          name: "two sites",
          assetIds: rows.map((r) => r.asset_id),
        });
        assert.equal(made.generated.pages, 2);
        const dj = await load(client, made.id);
        assertShapesMatch(dj, rows);
        assert.deepEqual(dj.pages.map((p) => p.name).sort(), sites.map((s) => s.site).sort());
        for (const page of dj.pages) {
          const onPage = page.vertices.filter((v) => v.attributes.asset_id);
          assert.ok(onPage.length > 0);
          assert.ok(onPage.every((v) => v.attributes.site === page.name), `page ${page.name}`);
          assert.deepEqual(overlaps(page), []);
          assertEdgesAttached(page);
        }
        assert.deepEqual(
          [...drawnCables(dj)].sort(),
          [...await inv.cables(rows.map((r) => r.asset_id))].sort(),
        );
        // Grouped by site instead: one page, a container per site.
        const grouped = await client.tool<Generated>("generate-diagram", {
          name: "two sites grouped",
          assetIds: rows.map((r) => r.asset_id),
          groupBy: "site",
        });
        assert.equal(grouped.generated.pages, 1);
        const [one] = (await load(client, grouped.id)).pages;
        assert.deepEqual(
          one.vertices.filter((v) => v.attributes[GENERATED_ATTR] === "group").map((v) => v.label)
            .sort(),
          sites.map((s) => s.site).sort(),
        );
        assert.deepEqual(overlaps(one), []);
      });

      await t.step("includeNeighbors brings the devices one cable away", async () => {
        const [hub] = await db.query<{ asset_id: string; site: string }>(
          `SELECT p.device_id AS asset_id, d.site FROM device_ports p
             JOIN network_devices d ON d.asset_id = p.device_id
            WHERE p.connected_to_device IS NOT NULL
            ORDER BY d.site, 1 LIMIT 1`,
        );
        assert.ok(hub, "the demo data has cabled devices");
        const alone = await client.tool<Generated>("generate-diagram", {
          name: "alone",
          deviceIds: [hub.asset_id],
        });
        assert.equal(alone.generated.devices, 1);
        assert.equal(alone.generated.links, 0);
        const neighbours = async (id: string) =>
          (await db.query<{ asset_id: string }>(
            `SELECT DISTINCT connected_to_device AS asset_id FROM device_ports
              WHERE device_id = $1 AND connected_to_device IS NOT NULL`,
            [id],
          )).map((n) => n.asset_id);
        const ids = [hub.asset_id, ...await neighbours(hub.asset_id)];
        assert.ok(ids.length >= 2);
        const made = await client.tool<Generated>("generate-diagram", {
          name: "neighbours",
          deviceIds: [hub.asset_id],
          includeNeighbors: true,
        });
        const rows = await inv.devices("asset_id = ANY ($1::text[])", [ids]);
        const dj = await load(client, made.id);
        assertShapesMatch(dj, rows);
        assert.deepEqual([...drawnCables(dj)].sort(), [...await inv.cables(ids)].sort());
        for (const page of dj.pages) assertEdgesAttached(page);

        // A cable to another site: that neighbour joins the site's page, not a page of its own.
        const [far] = await db.query<{ asset_id: string; site: string }>(
          `SELECT asset_id, site FROM network_devices WHERE site <> $1 AND site IS NOT NULL
            ORDER BY site, asset_id LIMIT 1`,
          [hub.site],
        );
        await db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port)
             VALUES ($1, 'uplink-far', $2, 'uplink-near'), ($2, 'uplink-near', $1, 'uplink-far')`,
            [hub.asset_id, far.asset_id],
          );
        });
        const site = await client.tool<Generated>("generate-diagram", {
          name: "site and neighbours",
          site: hub.site,
          includeNeighbors: true,
        });
        const siteRows = await inv.devices("site = $1 OR asset_id = $2", [hub.site, far.asset_id]);
        const siteDj = await load(client, site.id);
        assert.equal(siteDj.pages.length, 1, "the neighbour is drawn on the site's page");
        assertShapesMatch(siteDj, siteRows);
        const cables = await inv.cables(siteRows.map((r) => r.asset_id));
        assert.ok(cables.has(linkKey(hub.asset_id, "uplink-far", far.asset_id, "uplink-near")));
        assert.deepEqual([...drawnCables(siteDj)].sort(), [...cables].sort());
        assertEdgesAttached(siteDj.pages[0]);
        assert.deepEqual(overlaps(siteDj.pages[0]), []);
      });

      await t.step("role and tag scopes select by NetBox role and tag", async () => {
        const [role] = await db.query<{ device_type: string; role: string; n: number }>(
          `SELECT device_type, metadata -> 'netbox' ->> 'role' AS role, count(*)::int AS n
             FROM network_devices GROUP BY 1, 2 HAVING count(*) <= $1
            ORDER BY 3 DESC, 1 LIMIT 1`,
          [MAX_DEVICES],
        );
        assert.ok(role.n >= 2);
        // By the role's name, as NetBox shows it; the stored type is its slug.
        const byRole = await client.tool<Generated>("generate-diagram", {
          name: "role",
          role: role.role,
        });
        assertShapesMatch(
          await load(client, byRole.id),
          await inv.devices("device_type = $1", [role.device_type]),
        );
        const tagged = await db.query<{ asset_id: string }>(
          `UPDATE network_devices
              SET metadata = jsonb_set(metadata, '{netbox,tags}', '["edge", "dmz"]')
            WHERE asset_id IN (SELECT asset_id FROM network_devices ORDER BY asset_id LIMIT 3)
           RETURNING asset_id`,
        );
        const byTag = await client.tool<Generated>("generate-diagram", { name: "tag", tag: "dmz" });
        assertShapesMatch(
          await load(client, byTag.id),
          await inv.devices("asset_id = ANY ($1::text[])", [tagged.map((r) => r.asset_id)]),
        );
      });

      await t.step("a scope over the device limit is refused, naming the setting", async () => {
        const all = await db.query<{ asset_id: string }>(`SELECT asset_id FROM network_devices`);
        assert.ok(all.length > MAX_DEVICES);
        const [{ n: before }] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM diagrams`,
        );
        await assert.rejects(
          client.tool("generate-diagram", {
            name: "everything",
            deviceIds: all.map((r) => r.asset_id),
          }),
          (err: Error & { code?: string; details?: Record<string, unknown> }) => {
            assert.equal(err.code, "invalid");
            assert.match(err.message, /ARCHIFLOW_GENERATE_MAX_DEVICES/);
            assert.match(err.message, /narrower scope/);
            assert.equal(err.details?.devices, all.length);
            return true;
          },
        );
        const [{ n: after }] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM diagrams`,
        );
        assert.equal(after, before, "nothing was saved");
      });

      await t.step("a scope without a selector, or selecting nothing, says so", async () => {
        await assert.rejects(
          client.tool("generate-diagram", { name: "nothing", groupBy: "rack" }),
          /invalid: .*selects no devices; give a site, tag, role or deviceIds/,
        );
        await assert.rejects(
          client.tool("generate-diagram", { name: "nowhere", site: "no-such-site" }),
          /not_found: .*no device matches site "no-such-site"/,
        );
      });

      await t.step("POST /api/diagrams/generate/ answers what the tool returns", async () => {
        const res = await server.fetch("/api/diagrams/generate/", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "over REST", site: best.slug }),
        });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.generated.links, best.cables);
        assert.equal(body.version, 1);
      });
    } finally {
      await server.close();
      await double.close();
      await demo.drop();
    }
  }),
);

Deno.test(
  "generate-diagram draws a small inventory with routed edges, generic icons and role groups",
  async () => {
    const server = await startTestServer();
    try {
      const db = server.testDb.db;
      await db.query(
        `INSERT INTO network_devices (asset_id, device_name, device_type, status, site, primary_ip)
         VALUES ('r1', 'edge-rtr', 'router', 'active', 'lab', '10.0.0.1'),
                ('s1', 'core-sw', 'core-switch', 'active', 'lab', NULL),
                ('s2', 'acc-sw', 'switch', 'planned', 'lab', NULL),
                ('h1', 'db-01', 'server', 'active', 'lab', NULL),
                ('h2', 'db-02', 'server', 'active', 'lab', NULL),
                ('x1', 'thing', 'mystery-box', 'active', 'lab', NULL)`,
      );
      const cables = [
        ["r1", "g0", "s1", "te1"],
        ["r1", "g1", "s2", "te1"],
        ["s1", "te2", "s2", "te2"],
        ["s1", "g1", "h1", "eth0"],
        ["s2", "g1", "h2", "eth0"],
        ["s2", "g2", "h1", "eth1"],
        ["h2", "eth1", "x1", "p1"],
      ];
      await db.transaction(async (tx) => {
        for (const [a, ap, b, bp] of cables) {
          await tx.query(
            `INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port)
             VALUES ($1, $2, $3, $4), ($3, $4, $1, $2)`,
            [a, ap, b, bp],
          );
        }
      });
      const client = await server.client();
      const made = await client.tool<Generated>("generate-diagram", {
        name: "lab",
        site: "lab",
        groupBy: "role",
      });
      assert.deepEqual(made.generated, {
        devices: 6,
        links: 7,
        pages: 1,
        scope: { site: "lab", groupBy: "role" },
      });
      const { xml, diagram_json: dj } = await client.tool<
        { xml: string; diagram_json: DiagramJson }
      >(
        "load-diagram",
        { id: made.id },
      );
      assert.deepEqual(
        [...drawnCables(dj)].sort(),
        cables.map(([a, ap, b, bp]) => linkKey(a, ap, b, bp)).sort(),
      );
      const [page] = dj.pages;
      assertEdgesAttached(page);
      assert.deepEqual(overlaps(page), []);
      const shape = (asset: string) => page.vertices.find((v) => v.id === deviceCellId(asset))!;
      // A type no table knows gets the generic appliance; a planned device its status fill.
      assert.equal(shape("x1").style.shape, "mxgraph.cisco.misc.general_appliance");
      assert.equal(shape("r1").style.shape, "mxgraph.cisco.routers.router");
      assert.notEqual(shape("s2").style.fillColor, shape("s1").style.fillColor);
      assert.equal(shape("r1").label, "edge-rtr\n10.0.0.1");
      // One container per role; both servers share theirs.
      const groups = page.vertices.filter((v) => v.attributes[GENERATED_ATTR] === "group");
      assert.equal(groups.length, 5);
      assert.equal(shape("h1").parent, shape("h2").parent);
      assert.notEqual(shape("h1").parent, shape("s1").parent);
      // Routers are laid out above the switches they feed, switches above servers.
      const bounds = absoluteBounds(page);
      const top = (asset: string) => bounds.get(deviceCellId(asset))!.y;
      assert.ok(top("r1") < top("s2") && top("s2") < top("h2"), "layers run top to bottom");
      // ELK's routes reach draw.io: waypoints on edges that bend, ends pinned to ports.
      assert.match(xml, /<Array as="points"><mxPoint x="[\d.]+" y="[\d.]+"\/>/);
      for (const e of page.edges) {
        assert.ok(e.style.exitX !== undefined && e.style.entryY !== undefined);
      }
    } finally {
      await server.close();
    }
  },
);

Deno.test("a layout over its time limit is stopped and refused; the next one runs", async () => {
  const nodes = Array.from({ length: 60 }, (_, i) => ({
    id: `n${i}`,
    width: 40,
    height: 40,
    labelWidth: 40,
    labelHeight: 14,
    group: null,
  }));
  const edges = nodes.slice(1).map((n, i) => ({
    id: `e${i}`,
    source: `n${Math.floor(i / 3)}`,
    sourcePort: `p${i}`,
    target: n.id,
    targetPort: "up",
  }));
  await assert.rejects(
    layoutGraph({ groups: [], nodes, edges }, { timeoutMs: 1 }),
    (err: Error & { kind?: string }) => {
      assert.equal(err.kind, "unavailable");
      assert.match(err.message, /ran longer than .* choose a narrower scope/);
      return true;
    },
  );
  const laid = await layoutGraph({ groups: [], nodes, edges }, { timeoutMs: 60_000 });
  assert.equal(laid.nodes.size, 60);
  await stopLayoutWorker();
});
