// refresh-diagram on the NetBox 4.2 demo data synced into ArchiFlow (through the NetBox double):
// a site's generated diagram, edited by hand (shapes moved, a note and a zone added, a device put
// in the zone) and saved compressed, then refreshed after the inventory changed (a device
// renamed, two devices added with cables, one deleted). What a person did stays exactly as it
// was; the renamed label changes; the new devices appear bound, cabled and clear of every shape;
// the deleted one is marked in a layer of its own and stays out of the inventory; the version's
// change summary says all of it; a second refresh writes nothing.
import assert from "node:assert/strict";
import { compressPage, decompressPage } from "../server/diagrams/compress.ts";
import { deviceLabel, STATUS_FILL } from "../server/diagrams/generated_cells.ts";
import {
  deviceCellId,
  GENERATED_ATTR,
  linkKey,
  MISSING_ATTR,
  MISSING_LAYER,
} from "../server/diagrams/inventory_graph.ts";
import type { DiagramJson } from "../server/diagrams/model.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import type { RpcClient } from "./support/rpc_client.ts";
import { backendName } from "./support/db.ts";
import { startTestServer } from "./support/server.ts";
import { absoluteBounds } from "./support/diagrams.ts";
import { track, waitForLockWaiters } from "./support/wait.ts";
import { slow } from "./support/timeouts.ts";

const skip = await netboxDemoMissing("refresh-diagram on the NetBox demo data");
const TOKEN = "nbt_abcdef.0123456789";

interface RefreshResult {
  id: string;
  changed: boolean;
  version: number;
  summary: {
    added: { devices: { assetId: string; name: string }[]; links: string[] };
    marked: { devices: { assetId: string; name: string }[]; links: string[] };
    updated: { devices: { assetId: string; name: string; fields: string[] }[] };
  };
  changedCellIds: string[];
  change_summary: string | null;
}

interface Loaded {
  version: number;
  xml: string;
  diagram_json: DiagramJson;
}

const load = (client: RpcClient, id: string) => client.tool<Loaded>("load-diagram", { id });

const vertex = (dj: DiagramJson, id: string) =>
  dj.pages.flatMap((p) => p.vertices).find((v) => v.id === id);

/**
 * The stored XML with one cell's geometry (and parent) changed, the way the editor writes a
 * move: only the cell's `<mxGeometry>` attributes and its `parent` differ.
 */
function moveCell(
  xml: string,
  id: string,
  to: { x: number; y: number },
  parent?: string,
): string {
  const cell = new RegExp(
    `(id="${id}"><mxCell[^>]*?)parent="[^"]*"([^>]*><mxGeometry)([^>]*?) as="geometry"`,
  );
  const m = cell.exec(xml);
  assert.ok(m, `cell ${id} is in the stored XML`);
  const size = m[3].replace(/ [xy]="[^"]*"/g, "");
  const replaced = `${m[1]}parent="${parent ?? "1"}"${
    m[2]
  } x="${to.x}" y="${to.y}"${size} as="geometry"`;
  return xml.replace(cell, replaced);
}

/** Cells a person adds, written into the page's root after the existing ones. */
function addCells(xml: string, cells: string): string {
  assert.ok(xml.includes("</root>"));
  return xml.replace("</root>", `${cells}</root>`);
}

/** The file with its (one) compressed page written out. */
async function uncompressed(xml: string): Promise<string> {
  const m = /^(.*?<diagram[^>]*>)([^<]+)(<\/diagram>.*)$/s.exec(xml);
  assert.ok(m, "one compressed page");
  return `${m[1]}${await decompressPage(m[2])}${m[3]}`;
}

/** The file with its (one) page compressed, as draw.io stores it by default. */
async function compressed(xml: string): Promise<string> {
  const m = /^(.*?<diagram[^>]*>)(<mxGraphModel.*<\/mxGraphModel>)(<\/diagram>.*)$/s.exec(xml);
  assert.ok(m, "one uncompressed page");
  return `${m[1]}${await compressPage(m[2])}${m[3]}`;
}

Deno.test(
  "refresh-diagram brings a hand-edited generated diagram up to date and keeps every hand edit",
  { ignore: skip },
  slow(async (t) => {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN, version: "4.2.0" });
    const server = await startTestServer({ NETBOX_URL: double.url, NETBOX_TOKEN: TOKEN });
    try {
      const client = await server.client();
      await client.tool("sync-netbox", {});
      const db = server.testDb.db;

      // The site with the most cables between its own devices, and those devices.
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
      const devices = await db.query<
        { asset_id: string; device_name: string; ip: string | null; cables: number }
      >(
        `SELECT d.asset_id, d.device_name, host(coalesce(d.primary_ip, d.management_ip)) AS ip,
                (SELECT count(*)::int FROM device_ports p
                   JOIN network_devices o ON o.asset_id = p.connected_to_device
                  WHERE p.device_id = d.asset_id AND o.site = d.site) AS cables
           FROM network_devices d WHERE d.site = $1 ORDER BY 4 DESC, 1`,
        [best.site],
      );
      assert.ok(devices.length >= 4, "the site has at least four devices");
      // The device to delete has cables (so they are marked too); the others are any.
      const [gone, renamed, ...rest] = devices;
      const moved = rest.slice(0, 2);
      const anchor = rest.find((d) => d.cables > 0) ?? renamed;

      const made = await client.tool<{ id: string; version: number }>("generate-diagram", {
        name: `Site ${best.site}`,
        site: best.slug,
      });
      const id = made.id;

      let edited: DiagramJson;
      const note = "note-by-hand";
      const zone = "zone-by-hand";
      await t.step(
        "a person moves shapes, adds a note and a zone, and saves it compressed",
        async () => {
          const stored = await load(client, id);
          const page = stored.diagram_json.pages[0];
          let xml = stored.xml;
          for (const [i, d] of moved.entries()) {
            const v = vertex(stored.diagram_json, deviceCellId(d.asset_id))!;
            xml = moveCell(xml, v.id, { x: v.geometry.x + 37 + i, y: v.geometry.y - 23 });
          }
          // The zone is drawn around the device that will be deleted, which is put inside it.
          const g = absoluteBounds(page).get(deviceCellId(gone.asset_id))!;
          const z = { x: g.x - 40, y: g.y - 50, w: g.w + 80, h: g.h + 100 };
          xml = addCells(
            xml,
            `<mxCell id="${zone}" value="DMZ" style="rounded=0;container=1;fillColor=#dae8fc;dashed=1;" vertex="1" parent="1"><mxGeometry x="${z.x}" y="${z.y}" width="${z.w}" height="${z.h}" as="geometry"/></mxCell>` +
              `<mxCell id="${note}" value="Patched by &lt;b&gt;Ana&lt;/b&gt;" style="shape=note;html=1;whiteSpace=wrap;" vertex="1" parent="1"><mxGeometry x="-300" y="-200" width="140" height="60" as="geometry"/></mxCell>`,
          );
          xml = moveCell(xml, deviceCellId(gone.asset_id), { x: 40, y: 50 }, zone);
          const saved = await client.tool<{ version: number }>("save-diagram", {
            id,
            xml: await compressed(xml),
            expectedVersion: stored.version,
          });
          assert.equal(saved.version, 2);
          edited = (await load(client, id)).diagram_json;
          assert.equal(vertex(edited, deviceCellId(gone.asset_id))!.parent, zone);
          assert.ok(vertex(edited, note));
        },
      );

      const added = ["refresh-new-1", "refresh-new-2"];
      await t.step(
        "the inventory changes: a rename, two new devices with cables, a deletion",
        async () => {
          await client.tool("save-device", {
            assetId: renamed.asset_id,
            deviceName: `${renamed.device_name}-renamed`,
          });
          for (const [i, asset] of added.entries()) {
            await client.tool("save-device", {
              assetId: asset,
              deviceName: asset.toUpperCase(),
              deviceType: "access-switch",
              site: best.site,
              primaryIp: `192.0.2.${i + 10}`,
            });
          }
          // new-1 is cabled to a drawn device, new-2 to new-1.
          await client.tool("save-device-port", {
            deviceId: anchor.asset_id,
            portName: "Gi9/0/48",
          });
          await client.tool("save-device-port", {
            deviceId: added[0],
            portName: "uplink",
            connectedToDevice: anchor.asset_id,
            connectedToPort: "Gi9/0/48",
          });
          await client.tool("save-device-port", { deviceId: added[0], portName: "down" });
          await client.tool("save-device-port", {
            deviceId: added[1],
            portName: "uplink",
            connectedToDevice: added[0],
            connectedToPort: "down",
          });
          await client.tool("delete-device", { assetId: gone.asset_id, force: true });
        },
      );

      let result!: RefreshResult;
      let after!: DiagramJson;
      await t.step("refresh-diagram writes one version that says what changed", async () => {
        result = await client.tool<RefreshResult>("refresh-diagram", { id });
        assert.equal(result.changed, true);
        assert.equal(result.version, 3);
        const loaded = await load(client, id);
        assert.equal(loaded.version, 3);
        after = loaded.diagram_json;
        const newName = `${renamed.device_name}-renamed`;
        assert.deepEqual(result.summary.added.devices.map((d) => d.name).sort(), [
          "REFRESH-NEW-1",
          "REFRESH-NEW-2",
        ]);
        assert.equal(result.summary.added.links.length, 2);
        assert.deepEqual(result.summary.marked.devices, [
          { assetId: gone.asset_id, name: gone.device_name },
        ]);
        assert.equal(result.summary.marked.links.length, gone.cables);
        assert.deepEqual(result.summary.updated.devices, [
          { assetId: renamed.asset_id, name: newName, fields: ["name"] },
        ]);
        const links = gone.cables === 1 ? "1 link" : `${gone.cables} links`;
        assert.equal(
          result.change_summary,
          `Refresh from inventory: added 2 devices (REFRESH-NEW-1, REFRESH-NEW-2), 2 links; ` +
            `marked 1 device (${gone.device_name}), ${links}; updated 1 device (${newName}: name)`,
        );
        const versions = await client.tool<
          { versions: { version: number; change_summary: string }[] }
        >(
          "list-diagram-versions",
          { id },
        );
        assert.equal(versions.versions[0].version, 3);
        assert.equal(versions.versions[0].change_summary, result.change_summary);
        const [audited] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM audit_log
            WHERE entity_type = 'diagram' AND entity_id = $1 AND action = 'update'
              AND new_value ->> 'change_summary' = $2`,
          [id, result.change_summary],
        );
        assert.equal(audited.n, 1, "the refresh is audited with its summary");
      });

      await t.step("moved shapes and the additions by hand are untouched", () => {
        for (const d of moved) {
          const cellId = deviceCellId(d.asset_id);
          assert.deepEqual(vertex(after, cellId), vertex(edited, cellId), `${d.asset_id} as moved`);
        }
        assert.deepEqual(vertex(after, note), vertex(edited, note));
        assert.deepEqual(vertex(after, zone), vertex(edited, zone));
        // Nothing else a refresh does not own changed either.
        const owned = new Set(result.changedCellIds);
        for (const v of edited.pages[0].vertices) {
          if (!owned.has(v.id)) assert.deepEqual(vertex(after, v.id), v, `${v.id} is untouched`);
        }
        for (const layer of edited.pages[0].layers) {
          assert.deepEqual(after.pages[0].layers.find((l) => l.id === layer.id), layer);
        }
      });

      await t.step("the renamed device's label changes, and only its label", () => {
        const cellId = deviceCellId(renamed.asset_id);
        const v = vertex(after, cellId)!;
        const before = vertex(edited, cellId)!;
        assert.equal(
          v.label,
          deviceLabel({ name: `${renamed.device_name}-renamed`, ip: renamed.ip }),
        );
        assert.deepEqual({ ...v, label: before.label }, before);
      });

      await t.step("the new devices appear bound, cabled and clear of every shape", async () => {
        const page = after.pages[0];
        const bounds = absoluteBounds(page);
        for (const [i, asset] of added.entries()) {
          const v = vertex(after, deviceCellId(asset))!;
          assert.ok(v, `${asset} is drawn`);
          assert.equal(v.attributes.asset_id, asset);
          assert.equal(v.attributes[GENERATED_ATTR], "device");
          assert.equal(v.attributes.ip_address, `192.0.2.${i + 10}`);
          assert.ok(after.devices.some((d) => d.assetId === asset), `${asset} is bound`);
          const b = bounds.get(v.id)!;
          for (const other of page.vertices) {
            if (other.id === v.id) continue;
            const o = bounds.get(other.id)!;
            const apart = b.x + b.w <= o.x || o.x + o.w <= b.x || b.y + b.h <= o.y ||
              o.y + o.h <= b.y;
            assert.ok(apart, `${asset} overlaps ${other.id}`);
          }
        }
        const drawn = new Set(
          after.links.map((l) =>
            linkKey(l.source.assetId, l.source.port!, l.target.assetId, l.target.port!)
          ),
        );
        assert.ok(drawn.has(linkKey(added[0], "uplink", anchor.asset_id, "Gi9/0/48")));
        assert.ok(drawn.has(linkKey(added[1], "uplink", added[0], "down")));
        // The new device sits near the drawn device it is cabled to.
        const a = bounds.get(deviceCellId(anchor.asset_id))!;
        const n = bounds.get(deviceCellId(added[0]))!;
        assert.ok(Math.hypot(a.x - n.x, a.y - n.y) < 400, "placed next to its neighbour");
        // Saving the refresh changed no device: the drawing agrees with the inventory.
        const [row] = await db.query<{ device_name: string }>(
          `SELECT device_name FROM network_devices WHERE asset_id = $1`,
          [renamed.asset_id],
        );
        assert.equal(row.device_name, `${renamed.device_name}-renamed`);
      });

      await t.step("the deleted device is marked, in its own layer, where it was", async () => {
        const page = after.pages[0];
        const layer = page.layers.find((l) => l.name === MISSING_LAYER);
        assert.ok(layer, `a layer named "${MISSING_LAYER}"`);
        const cellId = deviceCellId(gone.asset_id);
        const v = vertex(after, cellId)!;
        assert.ok(v, "never deleted");
        assert.ok(v.attributes[MISSING_ATTR]);
        assert.equal(v.layer, layer.id);
        assert.equal(v.style.dashed, "1");
        assert.equal(v.attributes.asset_id, undefined);
        const was = absoluteBounds(edited.pages[0]).get(cellId)!;
        assert.deepEqual(absoluteBounds(page).get(cellId), was, "same place on the page");
        assert.ok(!after.devices.some((d) => d.assetId === gone.asset_id));
        const edges = page.edges.filter((e) => e.source === cellId || e.target === cellId);
        assert.equal(edges.length, gone.cables);
        for (const e of edges) {
          assert.ok(e.attributes[MISSING_ATTR], `${e.id} is marked`);
          assert.equal(e.layer, layer.id);
        }
        const [row] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM network_devices WHERE asset_id = $1`,
          [gone.asset_id],
        );
        assert.equal(row.n, 0, "saving the refresh did not bring the device back");
      });

      await t.step("a second refresh (over REST) writes no version", async () => {
        const res = await server.fetch(`/api/diagrams/${id}/refresh/`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
        });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.changed, false);
        assert.equal(body.version, 3);
        assert.equal(body.change_summary, null);
        const versions = await client.tool<{ count: number }>("list-diagram-versions", { id });
        assert.equal(versions.count, 3);
      });

      await t.step(
        "a refresh based on an old version, or of a drawn diagram, is refused",
        async () => {
          await assert.rejects(
            client.tool("refresh-diagram", { id, expectedVersion: 2 }),
            /conflict: .*at version 3, not 2/,
          );
          const drawn = await client.tool<{ id: string }>("save-diagram", {
            name: "drawn by hand",
            xml:
              '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/></root></mxGraphModel>',
          });
          await assert.rejects(
            client.tool("refresh-diagram", { id: drawn.id }),
            /invalid: .*not generated from the inventory/,
          );
          await assert.rejects(
            client.tool("refresh-diagram", { id: "no-such-diagram" }),
            /not_found/,
          );
        },
      );

      await t.step("a refresh and a save at the same time: neither is lost", async () => {
        // Another device is renamed, so the refresh has something to write.
        await client.tool("save-device", { assetId: anchor.asset_id, deviceName: "late-name" });
        const current = await load(client, id);
        const other = await server.client();
        assert.ok(!current.xml.includes("<mxGraphModel"), "the refresh kept the page compressed");
        const extra = addCells(
          await uncompressed(current.xml),
          `<mxCell id="late-note" value="late" style="text;" vertex="1" parent="1"><mxGeometry x="-600" y="-600" width="40" height="20" as="geometry"/></mxCell>`,
        );
        const [saving, refreshing] = await Promise.allSettled([
          other.tool("save-diagram", { id, xml: extra, expectedVersion: current.version }),
          client.tool<RefreshResult>("refresh-diagram", { id }),
        ]);
        assert.equal(
          refreshing.status,
          "fulfilled",
          String((refreshing as PromiseRejectedResult).reason),
        );
        const final = (await load(client, id)).diagram_json;
        const label = vertex(final, deviceCellId(anchor.asset_id))!.label;
        assert.equal(
          label,
          deviceLabel({ name: "late-name", ip: anchor.ip }),
          "the refresh is kept",
        );
        if (saving.status === "fulfilled") {
          assert.ok(vertex(final, "late-note"), "the save came first and the refresh kept it");
        } else {
          assert.match(String(saving.reason), /conflict/, "the save was refused, not overwritten");
        }
      });

      await t.step({
        name: "a refresh queued behind a save merges into what the save wrote",
        // Holding the diagram's row lock from outside the server needs a second connection.
        ignore: backendName() !== "postgres",
        fn: async () => {
          // A status change: a save's shapes say nothing about status, so it stays to refresh.
          const [{ device_name }] = await db.query<{ device_name: string }>(
            `SELECT device_name FROM network_devices WHERE asset_id = $1`,
            [anchor.asset_id],
          );
          await client.tool("save-device", {
            assetId: anchor.asset_id,
            deviceName: device_name,
            status: "offline",
          });
          const current = await load(client, id);
          const extra = addCells(
            await uncompressed(current.xml),
            `<mxCell id="queued-note" value="queued" style="text;" vertex="1" parent="1"><mxGeometry x="-700" y="-700" width="40" height="20" as="geometry"/></mxCell>`,
          );
          const { promise: held, resolve: release } = Promise.withResolvers<void>();
          const { promise: locked, resolve: lockTaken } = Promise.withResolvers<void>();
          const holding = db.transaction(async (tx) => {
            await tx.query(`SELECT 1 FROM diagrams WHERE id = $1 FOR UPDATE`, [id]);
            lockTaken();
            await held;
          });
          await locked;
          const other = await server.client();
          // A person's save without expectedVersion: the last one to write would win.
          const saving = track(other.tool<{ version: number }>("save-diagram", { id, xml: extra }));
          await waitForLockWaiters(db, "the save waits for the diagram", [saving], 1);
          const refreshing = track(client.tool<RefreshResult>("refresh-diagram", { id }));
          await waitForLockWaiters(db, "the refresh waits behind it", [saving, refreshing], 2);
          release();
          await holding;
          const [saved, refreshed] = await Promise.all([saving.promise, refreshing.promise]);
          assert.equal(refreshed.version, saved.version + 1, "the refresh came second");
          const final = (await load(client, id)).diagram_json;
          assert.ok(vertex(final, "queued-note"), "the save's addition is kept");
          assert.equal(
            vertex(final, deviceCellId(anchor.asset_id))!.style.fillColor,
            STATUS_FILL.offline,
            "the refresh's change is in",
          );
        },
      });
    } finally {
      await server.close();
      await double.close();
      await demo.drop();
    }
  }),
);
