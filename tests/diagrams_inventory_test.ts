// Devices and links taken from shapes, through a real WebSocket: what a save, an edit, a restore
// and a delete do to network_devices, device_ports and the device_connections view.
import assert from "node:assert/strict";
import postgres from "postgres";
import { type TestServer, withServer } from "./support/server.ts";
import { lockWaiters, track, waitFor, waitForLockWaiters } from "./support/wait.ts";

const device = (id: string, asset: string, label: string, extra = "") =>
  `<object id="${id}" label="${label}" asset_id="${asset}" ${extra}><mxCell style="shape=mxgraph.cisco.routers.router" vertex="1" parent="1"><mxGeometry width="50" height="40" as="geometry"/></mxCell></object>`;
const link = (id: string, s: string, t: string, sp: string, tp: string) =>
  `<object id="${id}" label="" source_port="${sp}" target_port="${tp}"><mxCell edge="1" parent="1" source="${s}" target="${t}"><mxGeometry relative="1" as="geometry"/></mxCell></object>`;
const diagram = (...cells: string[]) =>
  `<mxfile><diagram id="p1" name="Net"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>${
    cells.join("")
  }</root></mxGraphModel></diagram></mxfile>`;

const SW = device("sw", "A-1", "core-sw-01", 'device_type="switch" ip_address="10.0.0.1"');
const RTR = device("rtr", "A-2", "edge-rtr", 'device_type="router" ip_address="dhcp"');
const FW = device("fw", "A-3", "fw-01", 'device_type="firewall" site="dmz"');
const L1 = link("e1", "sw", "rtr", "Gi1/0/1", "Gi0/0/0");
const L2 = link("e2", "rtr", "fw", "Gi0/0/1", "eth0");

type Conn = {
  source_device: string;
  source_port: string;
  target_device: string;
  target_port: string;
};

/** Every cable once, by its two ends (the view lists a cable from each end). */
async function connections(s: TestServer): Promise<string[]> {
  const rows = await s.db.query<Conn>("SELECT * FROM device_connections");
  const cables = rows.map((r) =>
    [`${r.source_device}:${r.source_port}`, `${r.target_device}:${r.target_port}`].sort().join(
      " = ",
    )
  );
  // Each cable appears exactly twice, once from each end.
  const counts = new Map<string, number>();
  for (const c of cables) counts.set(c, (counts.get(c) ?? 0) + 1);
  for (const [c, n] of counts) assert.equal(n, 2, `${c} is listed from both ends`);
  return [...counts.keys()].sort();
}

Deno.test(
  "a save turns device shapes into devices and port-labelled edges into connections",
  async () => {
    await withServer(async (s, c) => {
      const saved = await c.tool<{ id: string; inventory: Record<string, unknown> }>(
        "save-diagram",
        { name: "core", site: "hq", xml: diagram(SW, RTR, FW, L1, L2) },
      );
      assert.equal(saved.inventory.devices_created, 3);
      assert.equal(saved.inventory.ports_created, 4);
      assert.equal(saved.inventory.links_connected, 2);
      const devices = await s.db.query(
        `SELECT asset_id, device_name, device_type, host(primary_ip) AS ip, site
         FROM network_devices ORDER BY asset_id`,
      );
      assert.deepEqual(devices, [
        {
          asset_id: "A-1",
          device_name: "core-sw-01",
          device_type: "switch",
          ip: "10.0.0.1",
          site: "hq",
        },
        { asset_id: "A-2", device_name: "edge-rtr", device_type: "router", ip: null, site: "hq" },
        { asset_id: "A-3", device_name: "fw-01", device_type: "firewall", ip: null, site: "dmz" },
      ]);
      assert.deepEqual(await connections(s), [
        "A-1:Gi1/0/1 = A-2:Gi0/0/0",
        "A-2:Gi0/0/1 = A-3:eth0",
      ]);
      // Connected both ways: each port points at the other.
      const [oneWay] = await s.db.query<{ n: number; both: number }>(
        `SELECT count(*) FILTER (WHERE (b.connected_to_device, b.connected_to_port)
                                       IS DISTINCT FROM (a.device_id, a.port_name))::int AS n,
                count(*)::int AS both
           FROM device_ports a
           JOIN device_ports b
             ON (b.device_id, b.port_name) = (a.connected_to_device, a.connected_to_port)`,
      );
      assert.deepEqual(oneWay, { n: 0, both: 4 });
      // Ports belong to their device by asset id.
      const ports = await s.db.query<{ device_id: string; port_name: string }>(
        "SELECT device_id, port_name FROM device_ports ORDER BY device_id, port_name",
      );
      assert.deepEqual(ports.map((p) => `${p.device_id} ${p.port_name}`), [
        "A-1 Gi1/0/1",
        "A-2 Gi0/0/0",
        "A-2 Gi0/0/1",
        "A-3 eth0",
      ]);
      // Every device the drawing made says who made it.
      const makers = await s.db.query<{ created_by: string }>(
        "SELECT DISTINCT created_by FROM network_devices",
      );
      assert.deepEqual(makers.map((m) => m.created_by), ["test-admin"]);
      const audit = await s.db.query<{ action: string; entity_type: string; n: number }>(
        `SELECT action, entity_type, count(*)::int AS n FROM audit_log GROUP BY 1, 2 ORDER BY 1, 2`,
      );
      assert.deepEqual(audit, [
        { action: "create", entity_type: "device", n: 3 },
        { action: "create", entity_type: "diagram", n: 1 },
      ]);

      // The new ports, and the links between them, are audited by the diagram's own row: its
      // counts, and each new link's ports, page and edge.
      const [own] = await s.db.query<{
        new_value: {
          inventory: {
            ports_created: number;
            links_connected: number;
            new_links: { columns: string[]; rows: [number, number, string, string][] };
          };
        };
      }>("SELECT new_value FROM audit_log WHERE entity_type = 'diagram'");
      assert.equal(own.new_value.inventory.ports_created, 4);
      assert.equal(own.new_value.inventory.links_connected, 2);
      const portName = new Map(
        (await s.db.query<{ id: string; name: string }>(
          `SELECT p.id, d.asset_id || ' ' || p.port_name AS name
             FROM device_ports p JOIN network_devices d ON d.asset_id = p.device_id`,
        )).map((r) => [Number(r.id), r.name]),
      );
      const { columns, rows } = own.new_value.inventory.new_links;
      assert.deepEqual(columns, ["port_a_id", "port_b_id", "page_id", "edge_id"]);
      assert.deepEqual(
        rows.map(([a, b, page, edge]) => [edge, portName.get(a), portName.get(b), a < b, page]),
        [
          ["e1", "A-1 Gi1/0/1", "A-2 Gi0/0/0", true, "p1"],
          ["e2", "A-2 Gi0/0/1", "A-3 eth0", true, "p1"],
        ],
      );
      // The tool's result reports counts only.
      assert.equal(saved.inventory.new_links, undefined);

      // Saving the same content again changes no inventory and writes no inventory audit rows.
      const again = await c.tool<{ inventory: Record<string, number> }>("save-diagram", {
        id: saved.id,
        xml: diagram(SW, RTR, FW, L1, L2),
      });
      assert.deepEqual(
        [
          again.inventory.devices_created,
          again.inventory.devices_updated,
          again.inventory.links_connected,
        ],
        [0, 0, 0],
      );
      const [n] = await s.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE entity_type <> 'diagram'",
      );
      assert.equal(n.n, 3);

      // A relabelled shape renames its device; the old row is in the audit trail.
      await c.tool("save-diagram", {
        id: saved.id,
        xml: diagram(SW.replace("core-sw-01", "core-sw-01b"), RTR, FW, L1, L2),
      });
      const [upd] = await s.db.query<
        {
          entity_id: string;
          old_value: { device_name: string };
          new_value: { device_name: string; diagram_id: string };
        }
      >(
        "SELECT entity_id, old_value, new_value FROM audit_log WHERE action = 'update' AND entity_type = 'device'",
      );
      assert.equal(upd.entity_id, "A-1");
      assert.equal(upd.old_value.device_name, "core-sw-01");
      assert.equal(upd.new_value.device_name, "core-sw-01b");
      assert.equal(upd.new_value.diagram_id, saved.id);
    });
  },
);

Deno.test(
  "deleting a shape removes its links but keeps the device; restore brings the link back",
  async () => {
    await withServer(async (s, c) => {
      const d = await c.tool<{ id: string }>("save-diagram", {
        name: "core",
        xml: diagram(SW, RTR, FW, L1, L2),
      });
      const v2 = await c.tool<{ inventory: Record<string, number> }>("save-diagram", {
        id: d.id,
        xml: diagram(SW, RTR, L1), // the firewall shape and its edge are gone
      });
      assert.equal(v2.inventory.links_disconnected, 1);
      assert.deepEqual(await connections(s), ["A-1:Gi1/0/1 = A-2:Gi0/0/0"]);
      const assets = await s.db.query<{ asset_id: string }>(
        "SELECT asset_id FROM network_devices ORDER BY asset_id",
      );
      assert.deepEqual(assets.map((a) => a.asset_id), ["A-1", "A-2", "A-3"], "devices stay");
      const [ports] = await s.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM device_ports",
      );
      assert.equal(ports.n, 4, "ports stay, unplugged");
      const [cut] = await s.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM audit_log WHERE action = 'disconnect'",
      );
      assert.equal(cut.n, 1);

      await c.tool("restore-diagram-version", { diagramId: d.id, version: 1 });
      assert.deepEqual(await connections(s), [
        "A-1:Gi1/0/1 = A-2:Gi0/0/0",
        "A-2:Gi0/0/1 = A-3:eth0",
      ]);
      // Plugging ports that existed before gets an audit row of its own, naming them.
      const plugged = await s.db.query<{ new_value: { source: string; target: string } }>(
        "SELECT new_value FROM audit_log WHERE action = 'connect' ORDER BY id",
      );
      assert.deepEqual(plugged.map((r) => [r.new_value.source, r.new_value.target]), [
        ["A-2 Gi0/0/1", "A-3 eth0"],
      ]);

      const del = await c.tool<{ links_disconnected: number }>("delete-diagram", { id: d.id });
      assert.equal(del.links_disconnected, 2);
      assert.deepEqual(await connections(s), []);
      const [devs] = await s.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM network_devices",
      );
      assert.equal(devs.n, 3, "deleting the diagram keeps its devices");
    });
  },
);

Deno.test("a link drawn in two diagrams stays until neither draws it", async () => {
  await withServer(async (s, c) => {
    const a = await c.tool<{ id: string }>("save-diagram", {
      name: "a",
      xml: diagram(SW, RTR, L1),
    });
    const b = await c.tool<{ id: string }>("save-diagram", {
      name: "b",
      xml: diagram(SW, RTR, L1),
    });
    await c.tool("save-diagram", { id: a.id, xml: diagram(SW, RTR) });
    assert.deepEqual(await connections(s), ["A-1:Gi1/0/1 = A-2:Gi0/0/0"], "b still draws it");
    await c.tool("delete-diagram", { id: b.id });
    assert.deepEqual(await connections(s), []);
  });
});

Deno.test(
  "cables made elsewhere are neither overwritten nor claimed by a drawing",
  async () => {
    await withServer(async (s, c) => {
      // A-1 Gi1/0/1 is cabled to A-9 Gi9 outside any diagram; A-1 Gi1/0/2 to A-2 Gi0/0/5.
      await c.tool("save-device", { assetId: "A-9", deviceName: "other" });
      await c.tool("save-device", { assetId: "A-1", deviceName: "core-sw-01" });
      await c.tool("save-device", { assetId: "A-2", deviceName: "edge-rtr" });
      await s.db.exec(`
      INSERT INTO device_ports (device_id, port_name, connected_to_device, connected_to_port)
      VALUES ('A-1', 'Gi1/0/1', 'A-9', 'Gi9'), ('A-9', 'Gi9', 'A-1', 'Gi1/0/1'),
             ('A-1', 'Gi1/0/2', 'A-2', 'Gi0/0/5'), ('A-2', 'Gi0/0/5', 'A-1', 'Gi1/0/2');
    `);
      const before = await connections(s);
      const saved = await c.tool<{
        id: string;
        inventory: { links_connected: number; skipped: { edge_id: string; reason: string }[] };
      }>("save-diagram", {
        name: "d",
        xml: diagram(SW, RTR, L1, link("e3", "sw", "rtr", "Gi1/0/2", "Gi0/0/5")),
      });
      assert.equal(saved.inventory.links_connected, 0);
      assert.deepEqual(saved.inventory.skipped.map((x) => [x.edge_id, x.reason]), [
        ["e1", "port_connected_elsewhere"],
      ]);
      assert.deepEqual(await connections(s), before, "the existing cables are untouched");
      // e3 matches an existing cable: deleting it from the drawing must not unplug it.
      await c.tool("save-diagram", { id: saved.id, xml: diagram(SW, RTR) });
      assert.deepEqual(await connections(s), before);
    });
  },
);

Deno.test("concurrent saves drawing one port to different peers cable it once", async () => {
  await withServer(async (s, c) => {
    const other = await s.client();
    const PEER = device("p", "A-4", "peer");
    const [x, y] = await Promise.all([
      c.tool<{ inventory: { links_connected: number; links_skipped: number } }>("save-diagram", {
        name: "x",
        xml: diagram(SW, RTR, L1),
      }),
      other.tool<{ inventory: { links_connected: number; links_skipped: number } }>(
        "save-diagram",
        { name: "y", xml: diagram(SW, PEER, link("e9", "sw", "p", "Gi1/0/1", "eth9")) },
      ),
    ]);
    assert.equal(x.inventory.links_connected + y.inventory.links_connected, 1);
    assert.equal(x.inventory.links_skipped + y.inventory.links_skipped, 1);
    const conns = await connections(s);
    assert.equal(conns.length, 1);
    assert.match(conns[0], /A-1:Gi1\/0\/1/);
  });
});

Deno.test(
  "saving a drawing that has no network shapes does not wait for inventory (PostgreSQL)",
  async () => {
    await withServer(async (s, c) => {
      if (!s.testDb.url) {
        console.log("skipped: needs a second connection to a real PostgreSQL (set DATABASE_URL)");
        return;
      }
      const plain = (label: string) =>
        diagram(
          `<mxCell id="n" value="${label}" vertex="1" parent="1"><mxGeometry width="80" height="40" as="geometry"/></mxCell>`,
        );
      const notes = await c.tool<{ id: string }>("save-diagram", {
        name: "notes",
        xml: plain("a"),
      });
      const net = await c.tool<{ id: string }>("save-diagram", {
        name: "net",
        xml: diagram(SW, RTR, L1),
      });
      // Another session holds the inventory lock, as a long network save would, until released.
      const holder = postgres(s.testDb.url, { max: 1, onnotice: () => {} });
      const { promise: locked, resolve: lockTaken } = Promise.withResolvers<void>();
      const { promise: release, resolve: releaseLock } = Promise.withResolvers<void>();
      try {
        const held = holder.begin(async (tx) => {
          await tx`SELECT pg_advisory_xact_lock(727400401)`;
          lockTaken();
          await release;
        });
        held.catch(() => {});
        await locked;
        try {
          // The plain save ends while the lock is held; queueing on it fails the test.
          const plainSave = track(c.tool("save-diagram", { id: notes.id, xml: plain("b") }));
          await waitFor("the plain save to finish while the lock is held", async () => {
            if (await lockWaiters(s.testDb.db) > 0) {
              throw new Error("a drawing without network shapes waited for the inventory lock");
            }
            return plainSave.settled;
          });
          await plainSave.promise;
          const other = await s.client();
          const netSave = track(
            other.tool("save-diagram", { id: net.id, xml: diagram(SW, RTR, L1) }),
          );
          await waitForLockWaiters(
            s.testDb.db,
            "a network drawing's save takes the lock",
            [netSave],
          );
          releaseLock();
          await held;
          await netSave.promise;
        } finally {
          releaseLock();
        }
      } finally {
        await holder.end();
      }
    });
  },
);
