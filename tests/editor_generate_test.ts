// The network drawn from the inventory, in a real browser: NetBox's demo data synced into
// ArchiFlow, a site's diagram generated from the editor's ArchiFlow menu, the inventory changed
// (a device renamed, one failed, one added with a cable), and "Refresh from inventory" loading
// the new version with the changed cells highlighted; and a site opened from NetBox's Site tab
// (a site-bound editor token) offered its diagram when it has none. Screenshots: test-output/screenshots/5x-*.png.
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Frame } from "playwright-core";
import { signEditorToken } from "../server/auth/editor_token.ts";
import { deviceCellId } from "../server/diagrams/inventory_graph.ts";
import { createNetboxDemoDb, netboxDemoMissing } from "./netbox_double/demo_db.ts";
import { startNetboxDouble } from "./netbox_double/double.ts";
import {
  browserMissing,
  editorUrl,
  launchBrowser,
  openEditor,
  screenshot,
} from "./support/browser.ts";
import { startTestServer } from "./support/server.ts";

const browser = browserMissing();
if (browser) console.warn(`editor generate browser test skipped: ${browser}`);
const demoMissing = await netboxDemoMissing("the editor's generate browser test");

const TOKEN = "nbt_generate.0123456789";
const SECRET = "generate-test-secret-0123456789abcdef";
const SITE = { slug: "dm-akron", name: "DM-Akron" };
// The highlight colours of refresh.ts: green added, orange updated.
const ADDED = "#2e7d32";
const UPDATED = "#f57c00";

interface Drawn {
  vertices: { id: string; assetId: string | null; label: string }[];
  edges: { id: string; source: string | null; target: string | null; ports: string[] }[];
}

/** The bound shapes and the edges on the canvas, read from draw.io's model. */
function drawn(frame: Frame): Promise<Drawn> {
  return frame.evaluate(() => {
    const model = (globalThis as any).archiflowUi.editor.graph.model;
    const attr = (c: any, n: string) =>
      c.value && typeof c.value === "object" ? c.value.getAttribute(n) || null : null;
    const out: Drawn = { vertices: [], edges: [] };
    for (const c of Object.values(model.cells) as any[]) {
      if (c.vertex && attr(c, "asset_id")) {
        out.vertices.push({ id: c.id, assetId: attr(c, "asset_id"), label: attr(c, "label") });
      } else if (c.edge) {
        out.edges.push({
          id: c.id,
          source: c.source?.id ?? null,
          target: c.target?.id ?? null,
          ports: [attr(c, "source_port"), attr(c, "target_port")].filter(Boolean),
        });
      }
    }
    return out;
  });
}

/** The cells drawn with a highlight, with its colour. */
function highlighted(frame: Frame): Promise<Record<string, string>> {
  return frame.evaluate(() => {
    const graph = (globalThis as any).archiflowUi.editor.graph;
    const out: Record<string, string> = {};
    for (const c of Object.values(graph.model.cells) as any[]) {
      const style = graph.getCellStyle(c);
      if (style.strokeWidth === 4) out[c.id] = style.strokeColor;
    }
    return out;
  });
}

async function menu(frame: Frame, item: string) {
  await frame.click("#archiflow-menu");
  await frame.locator(".mxPopupMenu td", { hasText: item }).first().click();
}

/** Whether the menu offers `item` (draw.io shows a disabled one greyed out, mxDisabled). */
async function menuItemEnabled(frame: Frame, item: string): Promise<boolean> {
  await frame.click("#archiflow-menu");
  const cell = frame.locator(".mxPopupMenu td", { hasText: item }).first();
  const enabled = !/mxDisabled/.test(await cell.getAttribute("class") ?? "");
  // A click beside the menu closes it.
  await frame.click(".geDiagramContainer", { position: { x: 5, y: 5 } });
  return enabled;
}

function statusText(frame: Frame): Promise<string> {
  return frame.evaluate(() =>
    (globalThis as any).document.getElementById("archiflow-status")?.textContent ?? ""
  );
}

Deno.test({
  name: "a site's diagram is generated from the editor menu and refreshed with its changes marked",
  ignore: browser !== null || demoMissing,
  async fn(t) {
    const demo = await createNetboxDemoDb();
    const double = await startNetboxDouble(demo.url, { token: TOKEN, version: "4.2.0" });
    const server = await startTestServer({
      NETBOX_URL: double.url,
      NETBOX_TOKEN: TOKEN,
      ARCHIFLOW_EDITOR_SECRET: SECRET,
    });
    const chromium = await launchBrowser();
    try {
      const api = await server.client();
      await api.tool("sync-netbox", {});
      const { devices } = await api.tool<{ devices: { asset_id: string; device_name: string }[] }>(
        "get-devices",
        { site: SITE.name },
      );
      assert.ok(devices.length >= 2, `the demo site ${SITE.name} has devices`);

      const page = await chromium.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      const frame = await openEditor(page, editorUrl(server.url, server.adminKey));
      assert.equal(
        await menuItemEnabled(frame, "Refresh from inventory"),
        false,
        "nothing generated is open yet",
      );

      await t.step("a scope with no devices is refused in the dialog, saying why", async () => {
        await menu(frame, "Generate from inventory…");
        await frame.waitForSelector("#archiflow-generate");
        await frame.fill("#archiflow-generate-name", "Nowhere");
        await frame.fill("#archiflow-generate-site", "no-such-site");
        await frame.click("#archiflow-generate-ok");
        await frame.waitForFunction(() =>
          ((globalThis as any).document.getElementById("archiflow-generate-error")?.textContent ??
            "") !== ""
        );
        assert.match(
          await frame.locator("#archiflow-generate-error").textContent() ?? "",
          /no device matches site "no-such-site"/,
        );
        assert.equal(
          await frame.evaluate(() => (globalThis as any).archiflow.state.diagramId),
          null,
        );
      });

      let diagramId = "";
      await t.step(
        "the site is generated from the menu and opened, bound to the inventory",
        async () => {
          // The site list is filled from the inventory the editor loaded.
          const sites = await frame.locator("#archiflow-generate-sites option").evaluateAll((os) =>
            os.map((o) => (o as any).value)
          );
          assert.ok(sites.includes(SITE.name), `sites offered: ${sites.join(", ")}`);
          await frame.fill("#archiflow-generate-name", SITE.name);
          await frame.fill("#archiflow-generate-site", SITE.slug);
          await frame.selectOption("#archiflow-generate-group", "rack");
          await screenshot(page, "50-generate-dialog");
          await frame.click("#archiflow-generate-ok");
          await frame.waitForSelector("#archiflow-generate", { state: "detached" });
          await frame.waitForFunction(() =>
            /^generated /.test(
              (globalThis as any).document.getElementById("archiflow-status")?.dataset.text ?? "",
            )
          );
          const state = await frame.evaluate(() => (globalThis as any).archiflow.state);
          diagramId = state.diagramId;
          assert.equal(state.name, SITE.name);
          assert.equal(state.version, 1);
          const canvas = await drawn(frame);
          assert.deepEqual(
            canvas.vertices.map((v) => v.assetId).sort(),
            devices.map((d) => d.asset_id).sort(),
            "one bound shape per device of the site",
          );
          for (const v of canvas.vertices) assert.equal(v.id, deviceCellId(v.assetId!));
          assert.ok(canvas.edges.length > 0, "the site's cables are drawn");
          for (const e of canvas.edges) {
            assert.ok(e.source && e.target, `edge ${e.id} is attached at both ends`);
            assert.equal(e.ports.length, 2, `edge ${e.id} names both ports`);
          }
          assert.match(await statusText(frame), /generated \d+ devices? and \d+ links?/);
          assert.equal(await menuItemEnabled(frame, "Refresh from inventory"), true);
          await screenshot(page, "51-generated");
        },
      );

      await t.step("a refresh after inventory changes highlights what changed", async () => {
        const renamed = devices[0];
        await api.tool("save-device", {
          assetId: renamed.asset_id,
          deviceName: `${renamed.device_name}-renamed`,
        });
        const anchor = devices[1].asset_id;
        await api.tool("save-device", {
          assetId: "gen-test-new-switch",
          deviceName: "akron-new-switch",
          deviceType: "switch",
          site: SITE.name,
          status: "active",
        });
        await api.tool("save-device-port", { deviceId: anchor, portName: "gen-test-uplink" });
        await api.tool("save-device-port", {
          deviceId: "gen-test-new-switch",
          portName: "uplink0",
          connectedToDevice: anchor,
          connectedToPort: "gen-test-uplink",
        });
        const failed = devices[2] ?? devices[1];
        await api.tool("save-device", {
          assetId: failed.asset_id,
          deviceName: failed.device_name,
          status: "failed",
        });
        // The rename reaches the open drawing by itself (live updates), as an unsaved edit.
        await frame.waitForFunction(
          (cell) =>
            /-renamed/.test(
              (globalThis as any).archiflowUi.editor.graph.model.getCell(cell)?.value
                ?.getAttribute("label") ?? "",
            ),
          deviceCellId(renamed.asset_id),
        );
        await menu(frame, "Refresh from inventory");
        // Unsaved edits are saved first (version 2), then refreshed (version 3).
        await frame.click("#archiflow-refresh-confirm-yes");
        await frame.waitForSelector("#archiflow-refresh-notice");
        await frame.waitForFunction(() =>
          (globalThis as any).archiflow.state.version === 3 &&
          !(globalThis as any).archiflow.loading
        );
        const canvas = await drawn(frame);
        const newCell = deviceCellId("gen-test-new-switch");
        assert.ok(canvas.vertices.some((v) => v.id === newCell), "the new device is drawn");
        assert.match(
          canvas.vertices.find((v) => v.id === deviceCellId(renamed.asset_id))?.label ?? "",
          /-renamed/,
        );
        const newEdge = canvas.edges.find((e) => e.source === newCell || e.target === newCell);
        assert.ok(newEdge, "the new cable is drawn to the new device");
        const marks = await highlighted(frame);
        assert.equal(marks[newCell], ADDED, JSON.stringify(marks));
        assert.equal(marks[newEdge.id], ADDED, JSON.stringify(marks));
        assert.equal(marks[deviceCellId(failed.asset_id)], UPDATED, JSON.stringify(marks));
        // Only what changed is marked (the rename was saved with the edits, before the refresh).
        const untouched = canvas.vertices.filter((v) =>
          ![newCell, deviceCellId(failed.asset_id), deviceCellId(renamed.asset_id)].includes(v.id)
        );
        for (const v of untouched) assert.equal(marks[v.id], undefined, `${v.id} is not marked`);
        const summary = await frame.locator("#archiflow-refresh-notice .archiflow-notice-text")
          .textContent();
        assert.ok(summary && summary !== "Nothing changed in the inventory", summary ?? "");
        assert.match(await statusText(frame), /^version 3: /);
        await screenshot(page, "52-refreshed-highlight");
      });

      await t.step("a refresh with nothing changed says so and writes no version", async () => {
        assert.equal(
          await frame.evaluate(() => (globalThis as any).archiflowUi.editor.modified),
          false,
          "the refreshed version is on the canvas as saved",
        );
        await menu(frame, "Refresh from inventory");
        // The earlier notice goes as the refresh starts; the next one says how it ended.
        await frame.waitForFunction(() =>
          (globalThis as any).document.querySelector(
              "#archiflow-refresh-notice .archiflow-notice-text, #archiflow-error",
            ) !== null && !(globalThis as any).archiflow.loading
        );
        assert.equal(
          await frame.locator("#archiflow-refresh-notice .archiflow-notice-text, #archiflow-error")
            .first().textContent(),
          "Nothing changed in the inventory",
        );
        assert.equal(await frame.evaluate(() => (globalThis as any).archiflow.state.version), 3);
        const { versions } = await api.tool<{ versions: unknown[] }>("list-diagram-versions", {
          id: diagramId,
        });
        assert.equal(versions.length, 3);
        await screenshot(page, "53-nothing-changed");
      });

      await t.step(
        "a site opened from NetBox with no diagram is offered one, and gets it",
        async () => {
          // As NetBox's Site tab opens the editor: a token signed for the site, its slug and name.
          const other = { slug: "dm-buffalo", name: "DM-Buffalo" };
          const key = await signEditorToken(SECRET, { sub: "jdoe", site: other.slug });
          const query = new URLSearchParams({ site: other.slug, site_name: other.name }).toString();
          const nb = await chromium.newPage({ viewport: { width: 1400, height: 900 } });
          nb.on("pageerror", (e) => errors.push(e.message));
          const tab = await openEditor(nb, editorUrl(server.url, key, query));
          await tab.waitForSelector("#archiflow-site-empty");
          assert.match(
            await tab.locator("#archiflow-site-empty").textContent() ?? "",
            /Site DM-Buffalo has no diagram yet/,
          );
          await screenshot(nb, "54-site-offer");
          await tab.click("#archiflow-generate-site");
          await tab.waitForFunction(() => (globalThis as any).archiflow.state.diagramId !== null);
          const state = await tab.evaluate(() => (globalThis as any).archiflow.state);
          assert.equal(state.name, other.name);
          const site = await api.tool<{ devices: { asset_id: string }[] }>("get-devices", {
            site: other.name,
          });
          assert.deepEqual(
            (await drawn(tab)).vertices.map((v) => v.assetId).sort(),
            site.devices.map((d) => d.asset_id).sort(),
          );
          await screenshot(nb, "55-site-generated");
          // Opened again, the site has its diagram: nothing is offered.
          const again = await openEditor(nb, editorUrl(server.url, key, query));
          assert.equal(await again.locator("#archiflow-site-empty").count(), 0);
          await nb.close();
        },
      );
      assert.deepEqual(errors, []);
    } finally {
      await chromium.close();
      await server.close();
      await double.close();
      await demo.drop();
    }
  },
});
